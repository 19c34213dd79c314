"""The command line: `explorer serve` (also bare `explorer`), `explorer export PROGRAM -o graph.svg`,
`explorer trace PROGRAM -o trace.json`, `explorer examples`.

Bad input ends with the same ProgramError message the app shows (line and column) and exit code 2.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from explorer import choices
from explorer.errors import ProgramError

EXIT_PROGRAM_ERROR = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "verb", None):
        args = parser.parse_args(["serve", *(argv or [])])  # bare `explorer` serves the app
    try:
        return args.func(args)
    except ProgramError as e:
        print(f"error ({e.kind}): {e}", file=sys.stderr)
        return EXIT_PROGRAM_ERROR


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="explorer", description="See the autograd graph of a small PyTorch program.")
    sub = p.add_subparsers(dest="verb")

    s = sub.add_parser("serve", help="serve the app in the browser (the default)")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    s.add_argument("--port", type=int, default=8050, help="port to listen on (default: 8050)")
    s.add_argument("--debug", action="store_true", help="Dash's debug mode (reloads on edits; not for sharing)")
    s.add_argument("--time-limit", type=float, help="seconds a program may run (default 5; env EXPLORER_TIME_SECONDS)")
    s.add_argument("--memory-mb", type=int, help="memory a program may take (default 1024; env EXPLORER_MEMORY_MB)")
    s.add_argument("--max-tensor-elements", type=int,
                   help="largest tensor (default 4,000,000; env EXPLORER_MAX_TENSOR_ELEMENTS)")
    s.set_defaults(func=_serve)

    t = sub.add_parser("trace", help="run a program and write its trace as JSON")
    _program_args(t)
    t.add_argument("-o", "--output-file", default="-", help="where to write the JSON (default: stdout)")
    t.set_defaults(func=_trace)

    x = sub.add_parser("export", help="draw a program's graph to .png, .svg, .pdf, .gif (animated), .html or .json")
    _program_args(x)
    x.add_argument("-o", "--output-file", required=True, help="the file to write; its extension picks the format")
    x.add_argument("--theme", default=choices.DEFAULT_THEME, choices=choices.THEMES)
    x.add_argument("--direction", default=choices.DEFAULT_DIRECTION, choices=choices.DIRECTIONS)
    x.add_argument("--show-constants", action="store_true")
    x.add_argument("--hide-values", action="store_true")
    x.add_argument("--digits", type=_digits, default=choices.DEFAULT_DIGITS, metavar="N",
                   help=f"significant digits of every number shown, {choices.MIN_DIGITS} to {choices.MAX_DIGITS} "
                        f"(default: {choices.DEFAULT_DIGITS}; 2 or 3 for slides, 6 to check a gradient by hand)")
    x.add_argument("--step", type=int, help="a picture of the graph as the player shows it at this step "
                                             "(0-based): only what is computed by then (default: everything)")
    x.set_defaults(func=_export)

    e = sub.add_parser("examples", help="list the example programs")
    e.add_argument("--lang", default=choices.DEFAULT_LANG, choices=choices.LANGS)
    e.set_defaults(func=_examples)
    return p


def _digits(text: str) -> int:
    """--digits N: a whole number of significant digits (explorer.choices), or argparse's usage error."""
    try:
        digits = int(text)
    except ValueError:
        digits = None
    if digits is None or not choices.is_digits(digits):
        raise argparse.ArgumentTypeError(f"must be a whole number from {choices.MIN_DIGITS} to {choices.MAX_DIGITS}, "
                                         f"not {text!r}")
    return digits


def _program_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("program", nargs="?", help="a program file, or - for stdin")
    p.add_argument("--example", help="use a gallery example by its key (see `explorer examples`)")
    p.add_argument("--input", action="append", default=[], metavar="NAME=VALUE",
                   help="value of a free name, e.g. --input y=3.0 or --input 'x=[1, 2]'")
    p.add_argument("--output", dest="output_name", help="the variable to back-propagate from")
    p.add_argument("--backward", default=None, choices=choices.BACKWARD_MODES)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-sandbox", action="store_true", help="run in this process (trusted programs only)")


def _load(args: argparse.Namespace) -> tuple[str, dict | None, str]:
    if args.example:
        from explorer.examples import get

        try:
            ex = get(args.example)
        except KeyError as e:
            raise ProgramError("runtime", str(e.args[0])) from None
        return ex.source, ex.inputs, args.backward or ex.backward
    if not args.program:
        raise ProgramError("runtime", "give a program file, - for stdin, or --example NAME")
    if args.program == "-":
        source = sys.stdin.read()
    else:
        try:
            with open(args.program, encoding="utf-8") as fh:
                source = fh.read()
        except OSError as e:
            raise ProgramError("runtime", f"can't read {args.program}: {e.strerror}") from None
        except UnicodeDecodeError:
            raise ProgramError("syntax", f"{args.program} is not UTF-8 text") from None
    return source, None, args.backward or choices.DEFAULT_BACKWARD


def _inputs(pairs: list[str], base: dict | None) -> dict | None:
    inputs = dict(base or {})
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise ProgramError("runtime", f"--input needs NAME=VALUE, got {pair!r}")
        try:
            inputs[name.strip()] = json.loads(value)
        except json.JSONDecodeError:
            raise ProgramError("runtime", f"the value of --input {name} must be a number or a [list]") from None
    return inputs or None


def _trace(args: argparse.Namespace) -> int:
    from explorer.api import trace

    source, inputs, backward = _load(args)
    tr = trace(source, inputs=_inputs(args.input, inputs), output=args.output_name, backward=backward,
               seed=args.seed, sandbox=not args.no_sandbox)
    text = json.dumps(tr.to_dict(), indent=1)
    if args.output_file == "-":
        print(text)
    else:
        with open(args.output_file, "w", encoding="utf-8") as fh:
            fh.write(text)
        print(f"wrote {args.output_file}: {len(tr.nodes)} nodes, {len(tr.backward_steps)} backward steps",
              file=sys.stderr)
    return 0


def _export(args: argparse.Namespace) -> int:
    from explorer.api import trace
    from explorer.drawing.export import ExportError, export

    source, inputs, backward = _load(args)
    tr = trace(source, inputs=_inputs(args.input, inputs), output=args.output_name, backward=backward,
               seed=args.seed, sandbox=not args.no_sandbox)
    try:
        path = export(tr, args.output_file, theme=args.theme, direction=args.direction,
                      show_constants=args.show_constants, show_values=not args.hide_values, step=args.step,
                      digits=args.digits)
    except ExportError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {path}: {len(tr.nodes)} nodes", file=sys.stderr)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from explorer.app import create_app
    from explorer.config import limits_from_env

    try:
        limits = limits_from_env()
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_PROGRAM_ERROR
    flags = {"time-limit": ("time_seconds", args.time_limit), "memory-mb": ("memory_mb", args.memory_mb),
             "max-tensor-elements": ("max_tensor_elements", args.max_tensor_elements)}
    for flag, (_, value) in flags.items():
        if value is not None and value <= 0:
            print(f"error: --{flag} must be greater than 0", file=sys.stderr)
            return EXIT_PROGRAM_ERROR
    limits = limits.replace(**{field: value for field, value in flags.values() if value is not None})
    app = create_app(warm=True, limits=limits)
    print(f"Autograd Explorer on http://{args.host}:{args.port}/  (Ctrl+C to stop)", file=sys.stderr)
    app.run(host=args.host, port=args.port, debug=args.debug)
    return 0


def _examples(args: argparse.Namespace) -> int:
    from explorer.examples import EXAMPLES

    for ex in EXAMPLES:
        print(f"{ex.key:<24} {ex.title(args.lang)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
