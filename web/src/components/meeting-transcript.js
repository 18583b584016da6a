// The transcript as it grows: it follows the newest line while you are at the bottom and stays put while you read
// further up ("Jump to the newest line" brings you back).
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { clock, speakerLabel } from '../meetings/format.js';

const NEAR_BOTTOM_PX = 48;

function Line({ line }) {
  return html`
    <li class="meeting-line" data-seq=${line.seq}>
      <span class="meeting-line-time">${clock(line.startMs)}</span>
      <p class="meeting-line-text">
        ${line.speaker && html`<span class="meeting-line-speaker">${speakerLabel(line.speaker)}: </span>`}${line.text}
      </p>
    </li>
  `;
}

/** `empty` is what it says while it holds no line. */
export function MeetingTranscript({ lines, empty }) {
  const scroller = useRef(null);
  const stick = useRef(true);
  const [away, setAway] = useState(false);
  const onScroll = () => {
    const el = scroller.current;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
    setAway(!stick.current);
  };
  useLayoutEffect(() => {
    if (stick.current && scroller.current) scroller.current.scrollTop = scroller.current.scrollHeight;
  }, [lines]);
  const jump = () => {
    stick.current = true;
    setAway(false);
    scroller.current.scrollTop = scroller.current.scrollHeight;
  };
  return html`
    <section class="card meeting-transcript" aria-labelledby="meeting-transcript-title">
      <div class="card-header">
        <h3 id="meeting-transcript-title">Transcript${lines.length > 0 && html` <span class="count">${lines.length}</span>`}</h3>
      </div>
      <div class="meeting-lines" ref=${scroller} onScroll=${onScroll} role="log" aria-labelledby="meeting-transcript-title"
        tabindex="0">
        ${lines.length
          ? html`<ol class="meeting-line-list">${lines.map((line) => html`<${Line} key=${`${line.seq}:${line.startMs}`} line=${line} />`)}</ol>`
          : html`<p class="meeting-lines-empty">${empty}</p>`}
      </div>
      ${away && html`<button type="button" class="button button-small button-secondary meeting-jump" onClick=${jump}>
        Jump to the newest line</button>`}
    </section>
  `;
}
