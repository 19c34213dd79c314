"""The program's own classes: `class Foo:`, `class Net(nn.Module):`, methods, `self.x`, `super()`.

A class statement makes a `UserClass` (objects.py), never a Python class: nothing the program writes can be
reached by Python or torch through a special method (`__getattr__`, `__index__`, `__torch_function__`,
`__del__`, ... are refused by the parser, and would not be looked up here anyway). Its instances are:

* `Instance` for a plain class: its attributes live in a dict of ours;
* `UserModule` for a class deriving from nn.Module: a real `torch.nn.Module` (so optimizers, `parameters()`,
  `zero_grad()`, `train()`/`eval()`, `to()` work with torch's own code), whose `forward` calls back into the
  interpreter with the program's method. Layers and `nn.Parameter`s assigned to `self` are registered by
  torch's own `Module.__setattr__`; any other value goes to a dict of ours, so it never shadows what torch
  reads from the module.

Every read and write of an attribute comes here from `Interpreter.get_attr` / `set_attr`; what a module
offers beyond the program's own attributes is in the tables of allowlist.py (see layers.py).
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any, cast

import torch

from explorer.errors import ProgramError
from explorer.language import functions, layers
from explorer.language.objects import (
    BoundMethod,
    ClassMethod,
    Fn,
    Instance,
    StaticMethod,
    Super,
    TypeRef,
    UserClass,
    UserFunction,
    UserMethod,
    type_name,
)
from explorer.language.parser import METHOD_DECORATORS

if TYPE_CHECKING:
    from explorer.language.interpreter import Interpreter, Scope


class UserModule(torch.nn.Module):
    """An instance of a program's nn.Module subclass: a real module whose forward is the program's.

    Made without running nn.Module.__init__ (the program's `super().__init__()` runs it, as in Python). Three
    entries of its __dict__ belong to the explorer: `_explorer_class` (the UserClass), `_explorer_attrs` (the
    program's plain attributes) and `_explorer_forward` (runs the program's forward in the interpreter)."""

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.__dict__["_explorer_forward"](self, args, kwargs)

    def _get_name(self) -> str:  # what torch's repr shows: the program's class name, as in plain torch
        return self.__dict__["_explorer_class"].name


def user_class_of(obj: Any) -> UserClass | None:
    """The program's class of an instance (plain or module); None for anything else."""
    if isinstance(obj, Instance):
        return obj.cls
    if type(obj) is UserModule:
        return obj.__dict__["_explorer_class"]
    return None


def own_attrs(obj: Any) -> dict[str, Any]:
    """The program's plain attributes of an instance, in our own dict."""
    return obj.attrs if isinstance(obj, Instance) else obj.__dict__["_explorer_attrs"]


class Classes:
    """Class statements, instances, attribute reads and writes, super(): the interpreter's part for classes."""

    def __init__(self, interp: Interpreter) -> None:
        self.i = interp
        self.module_base = layers.MODULE_BASE
        self.made: list[UserClass] = []  # every class of the run: its methods point back at it (super())

    def release(self) -> None:
        """Break the cycles a run's classes make (a class holds its methods, each method its class; a module
        of the program holds the interpreter), so that a run is freed without the cyclic collector."""
        for cls in self.made:
            cls.attrs.clear()
            cls.base = None
            if isinstance(cls, functions.FunctionClass):
                cls.real = None
        self.made.clear()
        self.i = cast(Any, None)

    # --- class statements ---------------------------------------------------------------------------------
    def define(self, node: ast.ClassDef, scope: Scope) -> UserClass:
        """Run a class body: methods close over the scope around the class (as in Python); class attributes
        are evaluated in the class's own scope, so later ones can use earlier ones."""
        from explorer.language.interpreter import Scope, assigned_names

        base, module = self._base(node, scope)
        function = base is functions.FUNCTION_BASE or isinstance(base, functions.FunctionClass)
        if base is functions.FUNCTION_BASE:
            base = None
        cls = (functions.FunctionClass if function else UserClass)(node.name, cast(Any, base), module, {})
        self.made.append(cls)
        body_scope = Scope(scope)
        for stmt in node.body:
            if isinstance(stmt, ast.FunctionDef):
                # @staticmethod / @classmethod (bare names, the parser checked) here; a grad mode's in the function
                kinds = [d.id for d in stmt.decorator_list if isinstance(d, ast.Name) and d.id in METHOD_DECORATORS]
                modes = [d for d in stmt.decorator_list if not (isinstance(d, ast.Name) and d.id in METHOD_DECORATORS)]
                fn = self.i.make_function(stmt, body_scope, closure=scope, decorators=modes)
                fn.owner = cls
                value: Any = fn
                if kinds:
                    value = StaticMethod(fn) if kinds[0] == "staticmethod" else ClassMethod(fn)
                body_scope.vars[stmt.name] = value
                cls.attrs[stmt.name] = value
            else:
                self.i.exec_block([stmt], body_scope)
                for name in assigned_names([stmt]):
                    if name in body_scope.vars:
                        cls.attrs[name] = body_scope.vars[name]
        if function:
            functions.define_check(cls, node)
        return cls

    def _base(self, node: ast.ClassDef, scope: Scope) -> tuple[Any, bool]:
        if not node.bases:
            return None, False
        expr = node.bases[0]
        if isinstance(expr, ast.Name) and expr.id == "object":
            try:
                scope.lookup("object")
            except KeyError:
                return None, False
        base = self.i.eval(expr, scope)
        if isinstance(base, UserClass):
            return base, base.module
        if base is self.module_base:
            return None, True
        if base is layers.DATASET_BASE:  # a plain class; a DataLoader reads it through __len__ and __getitem__
            return None, False
        if base is functions.FUNCTION_BASE:  # define() makes a FunctionClass (functions.py)
            return base, False
        what = ast.unparse(expr)
        if isinstance(base, TypeRef):
            hint = "derive from nn.Module and keep the layer as an attribute: self.layer = nn.Linear(...)"
            if base.real is torch.Tensor:
                hint = "tensors can't be subclassed here; keep a tensor as an attribute of your class"
            raise ProgramError("not-allowed", f"a class can't derive from {what} here", hint=hint).at(expr)
        raise ProgramError("not-allowed", f"a class can derive from nn.Module, object or a class of the program, "
                           f"not from {what} (a {type_name(base)})").at(expr)

    # --- instances -----------------------------------------------------------------------------------------
    def instantiate(self, cls: UserClass, args: list, kwargs: dict, node: ast.AST) -> Any:
        obj: Any
        if isinstance(cls, functions.FunctionClass):
            raise ProgramError("runtime", f"{cls.name} is a torch.autograd.Function: it is not made, it is applied",
                               hint=f"call {cls.name}.apply(x)").at(node)
        if cls.module:
            obj = UserModule.__new__(UserModule)
            d = obj.__dict__
            d["_explorer_class"] = cls
            d["_explorer_attrs"] = {}
            d["_explorer_forward"] = self.i.run_forward
        else:
            obj = Instance(cls)
        found = cls.lookup("__init__")
        if found is not None:
            result = self.call_attr(obj, found[1], args, kwargs, node)
            if result is not None:
                raise ProgramError("runtime", f"__init__() should return None, not '{type_name(result)}'").at(node)
        elif args or kwargs:
            raise ProgramError("runtime", f"{cls.name}() takes no arguments",
                               hint=f"define __init__(self, ...) in {cls.name} to take them").at(node)
        else:
            self.base_init(obj, cls.module, [], {}, node)
        if cls.module and "_parameters" not in obj.__dict__:
            raise ProgramError(
                "runtime", f"{cls.name}.__init__ did not call nn.Module's __init__",
                hint="start __init__ with super().__init__(), before assigning layers to self").at(node)
        return obj

    def base_init(self, obj: Any, module: bool, args: list | tuple, kwargs: dict, node: ast.AST) -> None:
        """The __init__ past the program's classes: nn.Module's or object's; neither takes arguments."""
        root = "nn.Module" if module else "object"
        if args or kwargs:
            raise ProgramError("runtime", f"{root}.__init__() takes no arguments",
                               hint="pass arguments to your own __init__, not to the base class's").at(node)
        if module:
            if type(obj) is not UserModule:
                raise ProgramError("runtime", "nn.Module.__init__ needs an instance of an nn.Module class").at(node)
            self.i.guarded(torch.nn.Module.__init__, (obj,), {}, node)

    def call_attr(self, obj: Any, value: Any, args: list, kwargs: dict, node: ast.AST) -> Any:
        """Call what a class attribute holds, bound to `obj` as Python would bind it."""
        return self.i.call(self.bind(value, obj, user_class_of(obj)), args, kwargs, node)

    @staticmethod
    def bind(value: Any, obj: Any, cls: UserClass | None) -> Any:
        """A class attribute read from an instance (obj) or from the class itself (obj None)."""
        if isinstance(value, UserFunction):
            return UserMethod(value, obj) if obj is not None else value
        if isinstance(value, StaticMethod):
            return value.fn
        if isinstance(value, ClassMethod):
            return UserMethod(value.fn, cls)
        return value

    # --- attributes ----------------------------------------------------------------------------------------
    def get_attr(self, obj: Any, name: str, node: ast.AST) -> Any:
        """Attributes of a UserClass, an Instance, a UserModule or a Super."""
        if isinstance(obj, Super):
            return self._super_attr(obj, name, node)
        if isinstance(obj, UserClass):
            if name == "apply" and isinstance(obj, functions.FunctionClass):
                return functions.apply_of(self.i, obj)
            found = obj.lookup(name)
            if found is not None:
                return self.bind(found[1], None, obj)
            if name == "__init__":
                module = obj.module
                return Fn(f"{obj.name}.__init__",
                          lambda this, *a, **k: self.base_init(this, module, a, k, node), False)
            raise ProgramError("runtime", f"type object '{obj.name}' has no attribute '{name}'").at(node)
        cls = user_class_of(obj)
        assert cls is not None
        attrs = own_attrs(obj)
        if name in attrs:
            return attrs[name]
        if isinstance(obj, torch.nn.Module):
            registered = layers.registered(obj, name)
            if registered is not layers.MISSING:
                return registered
        found = cls.lookup(name)
        if found is not None:
            return self.bind(found[1], obj, cls)
        if isinstance(obj, torch.nn.Module):
            return layers.module_attr(obj, name, node)
        raise ProgramError("runtime", f"'{cls.name}' object has no attribute '{name}'",
                           hint=f"give it a value first: self.{name} = ...").at(node)

    def _super_attr(self, sup: Super, name: str, node: ast.AST) -> Any:
        obj = sup.obj
        start = sup.cls.base
        found = start.lookup(name) if start is not None else None
        if found is not None:
            if isinstance(obj, UserClass):  # super() in a classmethod
                return self.bind(found[1], None, obj)
            return self.bind(found[1], obj, user_class_of(obj))
        if name == "__init__":
            module = sup.cls.module
            return Fn("super().__init__", lambda *a, **k: self.base_init(obj, module, a, k, node), False)
        if sup.cls.module and isinstance(obj, torch.nn.Module):
            if name == "forward":
                raise ProgramError("runtime", "nn.Module has no forward of its own to call with super()",
                                   hint="write the computation in this class's forward").at(node)
            return layers.module_attr(obj, name, node)  # super().train(mode) and the like: nn.Module's own
        raise ProgramError("runtime", f"'super' object has no attribute '{name}'").at(node)

    def set_attr(self, obj: Any, name: str, value: Any, node: ast.AST) -> None:
        if isinstance(obj, functions.FunctionClass) and name in ("apply", "forward", "backward", "setup_context"):
            raise ProgramError("not-allowed", f"{obj.name}.{name} can't be replaced",
                               hint="define forward and backward in the class body").at(node)
        if isinstance(obj, UserClass):
            obj.attrs[name] = value
            return
        if isinstance(obj, Instance):
            obj.attrs[name] = value
            return
        # a UserModule: layers, Parameters and what torch already holds go through torch's own __setattr__
        attrs = own_attrs(obj)
        if layers.registers(obj, name, value):
            layers.check_member(obj, name, value, node)
            self.i.guarded(torch.nn.Module.__setattr__, (obj, name, value), {}, node)
            attrs.pop(name, None)
            return
        attrs[name] = value

    # --- super() -------------------------------------------------------------------------------------------
    def make_super(self, args: list, scope: Scope, node: ast.AST) -> Super:
        if not args:
            method = scope.method_of()
            if method is None:
                raise ProgramError("runtime", "super() without arguments works only inside a method",
                                   hint="inside a function, write super(ClassName, self)").at(node)
            cls, first = method
            if first is None:
                raise ProgramError("runtime", "super(): the method has no arguments").at(node)
            return Super(cls, self.i.load_name(first, scope, node))
        if len(args) != 2:
            raise ProgramError("runtime", "super() takes no arguments, or a class and an instance").at(node)
        cls, obj = args
        if not isinstance(cls, UserClass):
            raise ProgramError("runtime", f"super() argument 1 must be a class of the program, not "
                               f"{type_name(cls)}").at(node)
        of = obj if isinstance(obj, UserClass) else user_class_of(obj)
        if of is None or not of.is_subclass_of(cls):
            raise ProgramError("runtime", "super(type, obj): obj must be an instance or subtype of type").at(node)
        return Super(cls, obj)

    # --- calling, len() and [] on instances --------------------------------------------------------------
    def special(self, obj: Any, name: str) -> Any:
        """The program's own __call__ / __len__ / __getitem__ of an instance, bound; None if it has none."""
        cls = user_class_of(obj)
        if cls is None:
            return None
        found = cls.lookup(name)
        return self.bind(found[1], obj, cls) if found is not None else None


def is_user_kind(obj: Any) -> bool:
    """The objects whose attributes Classes.get_attr reads."""
    return isinstance(obj, (UserClass, Instance, Super)) or type(obj) is UserModule


__all__ = ["BoundMethod", "Classes", "UserModule", "is_user_kind", "own_attrs", "user_class_of"]
