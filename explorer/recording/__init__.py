"""The trace stage: a plain data model of one run (model.py) and the hooks that fill it (capture.py)."""
from explorer.recording.model import Edge, Node, Notice, Pass, Span, Step, Trace

__all__ = ["Edge", "Node", "Notice", "Pass", "Span", "Step", "Trace"]
