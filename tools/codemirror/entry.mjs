// The parts of CodeMirror 6 the program editor uses (assets/editor.js), as one global: window.ExplorerCodeMirror.
// Bundled by tools/codemirror/build.sh into assets/vendor/codemirror.min.js; add a name here only when
// editor.js starts using it, so the bundle stays small.
export { EditorState, Compartment, StateEffect, StateField, RangeSet } from "@codemirror/state";
export {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection,
  highlightSpecialChars, placeholder, Decoration, GutterMarker, lineNumberMarkers,
} from "@codemirror/view";
export { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
export { syntaxHighlighting, indentUnit, bracketMatching, indentOnInput } from "@codemirror/language";
export { python } from "@codemirror/lang-python";
export { classHighlighter } from "@lezer/highlight";
