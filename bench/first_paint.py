"""First paint of the SPA in Chromium on an emulated slow network: plain modules, with modulepreload, the bundle.

Three gateways on 127.0.0.1 serve the same app (their /api is forwarded to one local stack, where an account
exists, so the app opens on Sign in):
- "plain modules (before)": web/ as it was, index.html without the modulepreload list;
- "modulepreload": web/ as `make run` serves it, index.html listing every module of the entry's static graph;
- "esbuild bundle": the deployed SPA as infra/spa_build.py builds it (one minified bundle);
- the last two again over HTTP/2 (bench/first_paint_h2.mjs, Node's http2 with a throwaway self-signed certificate),
  as CloudFront serves them.
Each load is a new browser context (a cold cache) with CDP's Network.emulateNetworkConditions: LATENCY_MS added to
every request, DOWN_MBPS / UP_MBPS of bandwidth. Measured from navigation start:
- splash: the first contentful paint (performance.getEntriesByType('paint')): index.html's inline splash;
- first screen: the frame after <html data-ready> (src/main.js sets it with the Sign in form on the page).
The local gateway speaks HTTP/1.1, so Chromium opens at most 6 connections to it: ~190 modules then queue six at
a time whatever the preload list says. Over HTTP/2 one connection carries them all at once.
Bounded: ROUNDS loads per variant and latency, LOAD_TIMEOUT_SECONDS a load, TIME_LIMIT_SECONDS in all.
`python -m bench.first_paint`.
"""

from __future__ import annotations

import ipaddress
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
import uvicorn
from playwright.sync_api import Browser, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from bench.stats import percentile
from infra.spa_build import build, esbuild_path
from local.gateway import Gateway, Handlers
from local.serving import GatewayServer
from shared.spa_assets import preloaded_index
from tests.e2e.browser import CHROMIUM, launch_browser
from tests.support.stack import ROOT, LocalStack, free_port

WEB = ROOT / "web"
LATENCIES_MS = {150: 7, 1500: 2}  # emulated latency → loads per variant
DOWN_MBPS = 20.0
UP_MBPS = 5.0
LOAD_TIMEOUT_SECONDS = 90.0
TIME_LIMIT_SECONDS = 900.0
TARGET_MS = 1500.0  # the first screen at 150 ms of latency
VARIANTS = (
    "plain modules (before)",
    "modulepreload",
    "esbuild bundle",
    "modulepreload, HTTP/2",
    "esbuild bundle, HTTP/2",
)
H2_SERVER = Path(__file__).resolve().parent / "first_paint_h2.mjs"

# Records the frame after the app marks itself ready (the init script runs before any of the page's own).
MARK_READY = """
new MutationObserver((_, observer) => {
  if (document.documentElement?.dataset.ready !== 'true') return;
  observer.disconnect();
  requestAnimationFrame(() => { window.__firstScreenAt = performance.now(); });
}).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-ready'] });
"""
READ_TIMES = """() => ({
  screen: window.__firstScreenAt,
  splash: performance.getEntriesByType('paint').find((entry) => entry.name === 'first-contentful-paint')?.startTime,
  signIn: document.querySelector('input[type="password"]') !== null,
})"""


def _forward(stack: LocalStack) -> Handlers:
    """Handlers that send the gateway's REST calls to the stack (the SPA is what is measured, not the API)."""

    def api(event: dict[str, Any], context: Any) -> dict[str, Any]:
        response = requests.request(
            event["httpMethod"],
            f"{stack.base_url}{event['path']}",
            params=event.get("queryStringParameters"),
            headers={k: v for k, v in event["headers"].items() if k.lower() in ("authorization", "content-type")},
            data=(event.get("body") or "").encode(),
            timeout=30,
        )
        headers = {"content-type": response.headers.get("content-type", "application/json")}
        return {"statusCode": response.status_code, "headers": headers, "body": response.text}

    def refused(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"statusCode": 403, "body": ""}  # the sign-in screen opens no WebSocket

    return Handlers(api=api, ws_connect=refused, ws_disconnect=refused, ws_default=refused)


@contextmanager
def _serving(gateway: Gateway) -> Iterator[str]:
    port = free_port()
    started = threading.Event()
    config = uvicorn.Config(gateway.app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = GatewayServer(config, on_started=started.set)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    if not started.wait(30):
        raise RuntimeError("a benchmark gateway did not start within 30 s")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def _serving_h2(web_dir: Path, index_html: str, api_base: str, scratch: Path) -> Iterator[str]:
    """bench/first_paint_h2.mjs on 127.0.0.1 with a throwaway self-signed certificate."""
    scratch.mkdir()
    (scratch / "index.html").write_text(index_html)
    key, cert = _self_signed(scratch)
    command = ["node", str(H2_SERVER), str(web_dir), str(scratch / "index.html"), api_base, str(key), str(cert)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # "listening <port>", or "" if node exited
        if not line.startswith("listening "):
            raise RuntimeError(f"the HTTP/2 server did not start: {line!r}")
        yield f"https://127.0.0.1:{int(line.split()[1])}"
    finally:
        process.terminate()
        process.wait(10)


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = folder / "key.pem", folder / "cert.pem"
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


def _deployed_copy(out: Path) -> Path:
    """The deployed SPA as a gateway can serve it: web/'s files, the bundle and its index.html."""
    esbuild = esbuild_path(WEB)
    if esbuild is None:
        raise RuntimeError("web/node_modules/.bin/esbuild is missing: run `make deps-web`.")
    # Copied, not linked: the gateway serves only files that resolve inside its folder (vendor/ it mounts itself).
    shutil.copytree(WEB, out, ignore=shutil.ignore_patterns("node_modules"))
    (out / "node_modules").symlink_to(WEB / "node_modules", target_is_directory=True)
    build(WEB, out, esbuild=esbuild)
    return out


def _load(browser: Browser, url: str, latency_ms: int) -> dict[str, float]:
    """One cold load of the sign-in screen: (splash paint, first screen) in ms from navigation start."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, ignore_https_errors=True)
    try:
        page = context.new_page()
        page.add_init_script(MARK_READY)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": latency_ms,
                "downloadThroughput": DOWN_MBPS * 1_000_000 / 8,
                "uploadThroughput": UP_MBPS * 1_000_000 / 8,
            },
        )
        try:
            page.goto(f"{url}/sign-in", wait_until="commit", timeout=LOAD_TIMEOUT_SECONDS * 1000)
            page.wait_for_function("window.__firstScreenAt !== undefined", timeout=LOAD_TIMEOUT_SECONDS * 1000)
        except PlaywrightError as error:
            heading = page.evaluate(
                "document.querySelector('h1')?.textContent ?? document.body?.innerText?.slice(0, 200)"
            )
            reason = str(error).splitlines()[0]
            raise RuntimeError(
                f"{url} did not render its first screen ({reason}); the page shows {heading!r}"
            ) from error
        times = page.evaluate(READ_TIMES)
        if not times["signIn"]:
            raise RuntimeError(f"{url} did not open on the Sign in screen")
        return {"screen": float(times["screen"]), "splash": float(times["splash"] or "nan")}
    finally:
        context.close()


def _row(label: str, values: list[float]) -> str:
    if not values:
        return f"{label:<40} (not measured: time limit reached, or failed loads below)"
    median, p95 = statistics.median(values), percentile(values, 0.95)
    return f"{label:<40} n={len(values):<3} median {median:7.0f} ms   p95 {p95:7.0f} ms"


def run() -> None:
    if not CHROMIUM.exists() or esbuild_path(WEB) is None:
        print("First-paint benchmark skipped: it needs Debian's Chromium and web/node_modules (make deps-web).")
        return
    deadline = time.monotonic() + TIME_LIMIT_SECONDS
    figures: dict[tuple[int, str], dict[str, list[float]]] = {}
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        stack = LocalStack(Path(scratch) / "stack").start()
        try:
            stack.admin_token()  # an account exists: the first screen is Sign in
            handlers = _forward(stack)
            deployed = _deployed_copy(Path(scratch) / "deployed")
            with (
                _serving(Gateway(web_dir=WEB, handlers=handlers, credentials={}, preload=False)) as plain,
                _serving(Gateway(web_dir=WEB, handlers=handlers, credentials={})) as preload,
                _serving(Gateway(web_dir=deployed, handlers=handlers, credentials={}, preload=False)) as bundle,
                _serving_h2(WEB, preloaded_index(WEB)[0], stack.base_url, Path(scratch) / "h2-preload") as h2_preload,
                _serving_h2(
                    deployed, (deployed / "index.html").read_text(), stack.base_url, Path(scratch) / "h2-bundle"
                ) as h2_bundle,
                sync_playwright() as playwright,
            ):
                urls = dict(zip(VARIANTS, (plain, preload, bundle, h2_preload, h2_bundle), strict=True))
                browser = launch_browser(playwright)
                try:
                    for latency, rounds in LATENCIES_MS.items():
                        for _ in range(rounds):  # variants alternate, so all see the same machine load
                            for variant, url in urls.items():
                                if time.monotonic() > deadline:
                                    break
                                cell = figures.setdefault((latency, variant), {"screen": [], "splash": []})
                                try:
                                    times = _load(browser, url, latency)
                                except RuntimeError as failure:  # reported with the figures, not measured
                                    failures.append(f"{variant}, {latency} ms: {failure}")
                                    continue
                                cell["screen"].append(times["screen"])
                                cell["splash"].append(times["splash"])
                finally:
                    browser.close()
        finally:
            stack.stop()
    _report(figures)
    for line in failures:
        print(f"  failed load: {line}")


def _report(figures: dict[tuple[int, str], dict[str, list[float]]]) -> None:
    print(
        f"SPA first paint, sign-in screen, cold cache, Chromium, {DOWN_MBPS:g}/{UP_MBPS:g} Mbit/s "
        "(HTTP/1.1: 6 connections; HTTP/2: one):"
    )
    for latency in LATENCIES_MS:
        before = figures.get((latency, "plain modules (before)"), {}).get("screen", [])
        print(f"  latency {latency} ms:")
        for variant in VARIANTS:
            cell = figures.get((latency, variant), {"screen": [], "splash": []})
            ratio = ""
            if cell["screen"] and before:
                ratio = f"   {statistics.median(cell['screen']) / statistics.median(before):.2f}x before"
            print("    " + _row(f"{variant}: first screen", cell["screen"]) + ratio)
            print("    " + _row(f"{variant}: splash painted", cell["splash"]))
    bundle = figures.get((150, "esbuild bundle, HTTP/2"), {}).get("screen", [])
    if bundle:
        verdict = "met" if statistics.median(bundle) < TARGET_MS else "NOT met"
        print(
            f"  target: the deployed bundle's first screen (HTTP/2) under {TARGET_MS:.0f} ms at 150 ms of latency: "
            f"{verdict}"
        )


if __name__ == "__main__":
    run()
