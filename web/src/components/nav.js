// The area navigation: real links, the current one marked with aria-current. On a phone it is a strip that
// scrolls sideways: a fade and a button on each side that has more areas off screen ("Earlier areas", "More
// areas"), and the current area kept in view.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { Icon } from '../icons.js';
import { Link } from '../router.js';
import { areasFor } from '../routes.js';

/** Which ends of the strip have areas off screen, kept in step with scrolling and resizing. */
function useOverflow(list) {
  const [ends, setEnds] = useState({ start: false, end: false });
  useEffect(() => {
    const strip = list.current;
    if (!strip) return undefined;
    const measure = () => {
      const start = strip.scrollLeft > 1;
      const end = strip.scrollLeft + strip.clientWidth < strip.scrollWidth - 1;
      setEnds((was) => (was.start === start && was.end === end ? was : { start, end }));
    };
    measure();
    strip.addEventListener('scroll', measure, { passive: true });
    const observer = new ResizeObserver(measure);
    observer.observe(strip);
    return () => {
      strip.removeEventListener('scroll', measure);
      observer.disconnect();
    };
  }, []);
  return ends;
}

export function Nav({ current, user }) {
  const list = useRef(null);
  const ends = useOverflow(list);
  useEffect(() => {
    // On a phone the navigation is a scrolling strip: keep the current area in view.
    list.current?.querySelector('[aria-current="page"]')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [current]);
  const scroll = (direction) => {
    const strip = list.current;
    const still = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    strip.scrollBy({ left: direction * Math.max(120, strip.clientWidth * 0.75), behavior: still ? 'auto' : 'smooth' });
  };

  return html`
    <nav class="nav" aria-label="Areas" data-more-start=${ends.start ? 'true' : 'false'}
      data-more-end=${ends.end ? 'true' : 'false'}>
      <button type="button" class="nav-scroll nav-scroll-start" aria-label="Earlier areas" title="Earlier areas"
        hidden=${!ends.start} onClick=${() => scroll(-1)}>
        <${Icon} name="chevron" size=${18} />
      </button>
      <ul ref=${list}>
        ${areasFor(user).map(
          (area) => html`
            <li key=${area.path}>
              <${Link} href=${area.path} class="nav-link" aria-current=${area.path === current ? 'page' : undefined}>
                <${Icon} name=${area.icon} />
                <span>${area.label}</span>
              <//>
            </li>
          `,
        )}
      </ul>
      <button type="button" class="nav-scroll nav-scroll-end" aria-label="More areas" title="More areas"
        hidden=${!ends.end} onClick=${() => scroll(1)}>
        <${Icon} name="chevron" size=${18} />
      </button>
    </nav>
  `;
}
