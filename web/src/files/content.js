// The open file: its content (text up to 2 MB) or, for binary and larger files, only what it is.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { filesApi } from './api.js';

/** `{ file (FileContent, null while loading), error, reload(), replace(file) }` for the file at `path`. */
export function useFileContent(projectId, path) {
  const [state, setState] = useState({ key: null, file: null, error: null });
  const serial = useRef(0);
  const key = `${projectId}\n${path}`;
  const reload = useCallback(() => {
    const mine = ++serial.current;
    setState({ key, file: null, error: null });
    filesApi.content(projectId, path).then(
      (file) => mine === serial.current && setState({ key, file, error: null }),
      (err) => mine === serial.current && setState({ key, file: null, error: err }),
    );
  }, [key]);
  useEffect(reload, [reload]);
  const replace = (file) => setState({ key, file, error: null });
  const current = state.key === key ? state : { file: null, error: null };
  return { file: current.file, error: current.error, reload, replace };
}
