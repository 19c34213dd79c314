"""Chinese for the explorer's own error messages, hints and notes (ProgramError.message and .hint, a notice's
text), read through `explorer.app.i18n.message`.

The explorer writes its messages in English where it raises them (explorer/language, recording, sandbox,
errors.py). Here each one is a template, its variable parts written ⟨name⟩, with its Chinese beside it; a
message matching no template is torch's or Python's own, and stays in their English under a translated
heading. A part named ⟨why...⟩ is itself one of our messages (a reason from a table) and is translated too.
tests/app/test_app_i18n.py finds every message the explorer can raise and fails on one without Chinese here.
"""
from __future__ import annotations

import functools
import re

# (English, Chinese). Literal braces are the message's own: "{loss:.4f}" is text, ⟨n⟩ a variable part.
MESSAGES: tuple[tuple[str, str], ...] = (
    # --- the interpreter -------------------------------------------------------------------------------
    ("local variable '⟨name⟩' is used before it gets a value", "局部变量 '⟨name⟩' 在赋值之前就被使用了"),
    ("a function that assigns ⟨name⟩ anywhere makes it local; pass it in as an argument",
     "函数里只要给 ⟨name⟩ 赋过值，它就是局部变量；请把它作为参数传进来"),
    ("'return' outside a function", "'return' 不在函数里"),
    ("'break' or 'continue' outside a loop", "'break' 或 'continue' 不在循环里"),
    ("'⟨word⟩' outside a loop", "'⟨word⟩' 不在循环里"),
    ("the program nests calls too deeply", "程序的函数调用嵌套太深"),
    ("the program nests too deeply", "程序嵌套太深"),
    ("the program ran out of memory", "程序的内存用完了"),
    ("use smaller tensors", "请使用更小的张量"),
    ("this kind of target can't be updated with an operator", "这种目标不能用运算符更新"),
    ("assertion failed: ⟨text⟩", "断言失败：⟨text⟩"),
    ("name '⟨name⟩' is not defined", "名字 '⟨name⟩' 没有定义"),
    ("give it a value before this line", "请在这一行之前给它赋值"),
    ("del works on names, list items and dict keys", "del 只能用于名字、列表元素和字典的键"),
    ("the module `⟨module⟩` is not available here", "这里不能使用模块 `⟨module⟩`"),
    ("a program can import ⟨names⟩", "程序可以导入 ⟨names⟩"),
    ("`⟨dotted⟩` is not a module: write `from ⟨parent⟩ import ⟨part⟩`",
     "`⟨dotted⟩` 不是模块：请写 `from ⟨parent⟩ import ⟨part⟩`"),
    ("only `with torch.no_grad():` (or torch.enable_grad()) is supported",
     "只支持 `with torch.no_grad():`（或 torch.enable_grad()）"),
    ("can't assign to this", "不能给它赋值"),
    ("expected ⟨n⟩ values to unpack, got ⟨m⟩", "解包需要 ⟨n⟩ 个值，实际得到 ⟨m⟩ 个"),
    ("expected at least ⟨n⟩ values to unpack, got ⟨m⟩", "解包至少需要 ⟨n⟩ 个值，实际得到 ⟨m⟩ 个"),
    ("can't set param_groups[...][⟨index⟩]: ⟨error⟩", "不能设置 param_groups[...][⟨index⟩]：⟨error⟩"),
    ("items of a ⟨type⟩ can't be assigned", "⟨type⟩ 的元素不能赋值"),
    ("requires_grad must be True or False", "requires_grad 必须是 True 或 False"),
    (".⟨name⟩ must be set to a tensor", ".⟨name⟩ 必须设为一个张量"),
    (".⟨name⟩ must keep the tensor's shape ⟨shape⟩ and dtype ⟨dtype⟩",
     ".⟨name⟩ 必须保持张量原来的形状 ⟨shape⟩ 和类型 ⟨dtype⟩"),
    ("make a new tensor instead of changing .data", "请新建一个张量，而不是修改 .data"),
    ("can't set `.⟨name⟩` on a ⟨type⟩", "不能在 ⟨type⟩ 上设置 `.⟨name⟩`"),
    ("only ⟨names⟩ of a tensor can be set", "张量只能设置 ⟨names⟩"),
    ("the program took more than ⟨n⟩ steps", "程序执行超过了 ⟨n⟩ 步"),
    ("use fewer loop iterations", "请减少循环次数"),
    ("the program ran longer than ⟨s⟩ s", "程序运行超过了 ⟨s⟩ 秒"),
    ("look for a loop that never ends, or make the tensors smaller", "检查是否有永远不结束的循环，或者把张量变小"),
    ("look for a loop that never ends or make the tensors smaller", "检查是否有永远不结束的循环，或者把张量变小"),
    ("loops ran more than ⟨n⟩ times in all", "循环总共执行超过了 ⟨n⟩ 次"),
    ("check the loop's condition; a while loop needs something that makes it false",
     "检查循环条件；while 循环里需要有让条件变为假的语句"),
    ("`⟨name⟩` is not available: there are no imports here", "`⟨name⟩` 不可用：这里没有导入"),
    ("torch, F (torch.nn.functional) and math are already there",
     "torch、F（torch.nn.functional）和 math 可以直接使用"),
    ("`⟨name⟩` is not available: ⟨why⟩", "`⟨name⟩` 不可用：⟨why⟩"),
    ("`⟨name⟩` is not available", "`⟨name⟩` 不可用"),
    ("see the list of what ⟨name⟩ offers in the help", "请在帮助中查看 ⟨name⟩ 提供了哪些内容"),
    ("tensor.⟨name⟩ is not available: ⟨why⟩", "tensor.⟨name⟩ 不可用：⟨why⟩"),
    ("tensor.⟨name⟩ is not available", "tensor.⟨name⟩ 不可用"),
    ("** in a dict needs a dict", "字典里的 ** 需要一个字典"),
    ("*value can only be used inside a call, a list or a tuple", "*value 只能用在函数调用、列表或元组里"),
    ("a ⟨type⟩ can't be indexed", "⟨type⟩ 不能用下标访问"),
    ("format widths and precisions above 1000 are not allowed", "格式的宽度和精度不能超过 1000"),
    ("the format field {⟨field⟩} reads an attribute or an item", "格式字段 {⟨field⟩} 读取了属性或元素"),
    ("format the value itself: '{}'.format(x.shape) or an f-string",
     "请直接格式化这个值：'{}'.format(x.shape)，或者用 f-string"),
    ("nested {...} inside a format spec is not allowed", "格式说明里不允许嵌套 {...}"),
    ("the format field {⟨field⟩} has no value to take", "格式字段 {⟨field⟩} 没有对应的值"),
    ("pass one argument per {} in the text", "文本里每个 {} 都要对应一个参数"),
    ("iteration over a 0-d tensor", "不能遍历 0 维张量"),
    ("use .item() for its number", "用 .item() 取出它的数值"),
    ("a ⟨type⟩ can't be looped over", "⟨type⟩ 不能被遍历"),
    ("a ⟨type⟩ has no attribute `.⟨name⟩` here", "这里 ⟨type⟩ 没有属性 `.⟨name⟩`"),
    ("** in a call needs a dict with plain names as keys", "函数调用里的 ** 需要一个以普通名字为键的字典"),
    ("a ⟨type⟩ is not callable", "⟨type⟩ 不能被调用"),
    ("optimizer.⟨name⟩() takes no closure or arguments here", "这里的 optimizer.⟨name⟩() 不接受 closure 或其他参数"),
    ("list.sort() takes only reverse= here", "这里的 list.sort() 只接受 reverse="),
    ("functions call each other more than ⟨n⟩ deep", "函数相互调用超过了 ⟨n⟩ 层"),
    ("recursion needs a case that stops it", "递归需要一个让它停下来的情况"),
    ("⟨fn⟩() takes ⟨n⟩ arguments but ⟨m⟩ were given", "⟨fn⟩() 需要 ⟨n⟩ 个参数，但给了 ⟨m⟩ 个"),
    ("⟨fn⟩() got an unexpected keyword argument '⟨k⟩'", "⟨fn⟩() 收到了没有定义的关键字参数 '⟨k⟩'"),
    ("⟨fn⟩() got multiple values for argument '⟨k⟩'", "⟨fn⟩() 的参数 '⟨k⟩' 被给了不止一个值"),
    ("⟨fn⟩() is missing the argument '⟨k⟩'", "⟨fn⟩() 缺少参数 '⟨k⟩'"),
    ("backward() takes gradient=, retain_graph=, create_graph=, inputs=",
     "backward() 只接受 gradient=、retain_graph=、create_graph=、inputs="),
    ("more than ⟨n⟩ items passed in one call", "一次调用传入了超过 ⟨n⟩ 个元素"),
    ("use a tensor for large data", "大量数据请用张量"),
    ("a ⟨type⟩ can't be passed here; pass tensors or numbers", "这里不能传入 ⟨type⟩；请传入张量或数字"),
    ("a ⟨type⟩ can't be used in arithmetic", "⟨type⟩ 不能参与算术运算"),
    ("a ⟨type⟩ can't be used here", "这里不能使用 ⟨type⟩"),
    ("this call returned a ⟨type⟩, which programs here can't use", "这次调用返回了 ⟨type⟩，这里的程序不能使用它"),
    ("implementation switches (foreach, fused, ...) are not available here",
     "这里不能使用实现开关（foreach、fused 等）"),
    # --- sizes and devices (explorer/language/guards.py) -------------------------------------------------
    ("complex tensors are not supported here; use real numbers", "这里不支持复数张量；请使用实数"),
    ("everything runs on the CPU; other devices are not available", "所有计算都在 CPU 上进行；不能使用其他设备"),
    ("device ⟨device⟩ is not available; everything runs on the CPU", "设备 ⟨device⟩ 不可用；所有计算都在 CPU 上进行"),
    ("looping over ⟨n⟩ rows one by one is too slow here", "在这里逐行遍历 ⟨n⟩ 行太慢了"),
    ("use tensor operations such as x.sum() or x.max() instead of a loop",
     "请用张量运算（例如 x.sum() 或 x.max()）代替循环"),
    ("`%` formatting of strings is not supported", "不支持用 `%` 格式化字符串"),
    ("use an f-string like f'{loss:.4f}'", "请使用 f-string，例如 f'{loss:.4f}'"),
    ("F.one_hot needs num_classes=, a positive whole number", "F.one_hot 需要 num_classes=，一个正整数"),
    ("this would make a tensor of ⟨n⟩ elements; the limit is ⟨m⟩", "这会生成一个有 ⟨n⟩ 个元素的张量；上限是 ⟨m⟩"),
    ("use smaller sizes", "请使用更小的尺寸"),
    ("⟨a⟩ ** ⟨b⟩ is too large a number (more than ⟨n⟩ bits)", "⟨a⟩ ** ⟨b⟩ 这个数太大了（超过 ⟨n⟩ 位）"),
    ("⟨a⟩ << ⟨b⟩ is too large a number (more than ⟨n⟩ bits)", "⟨a⟩ << ⟨b⟩ 这个数太大了（超过 ⟨n⟩ 位）"),
    ("the product is too large a number (more than ⟨n⟩ bits)", "乘积太大了（超过 ⟨n⟩ 位）"),
    ("this would make a list or string of ⟨n⟩ items; the limit is ⟨m⟩",
     "这会生成一个有 ⟨n⟩ 项的列表或字符串；上限是 ⟨m⟩"),
    ("this would make a list or string of more than ⟨n⟩ items", "这会生成一个超过 ⟨n⟩ 项的列表或字符串"),
    ("print a slice or a summary", "请只打印一部分或一个摘要"),
    ("the data is nested more than 64 levels deep", "数据嵌套超过了 64 层"),
    # --- reading the program (explorer/language/parser.py) -----------------------------------------------
    ("the program must be text", "程序必须是文本"),
    ("the program is ⟨n⟩ characters long; the limit is ⟨m⟩", "程序有 ⟨n⟩ 个字符；上限是 ⟨m⟩"),
    ("shorten it, or use a loop instead of repeating lines", "请缩短程序，或用循环代替重复的代码行"),
    ("brackets are nested more than ⟨n⟩ deep", "括号嵌套超过了 ⟨n⟩ 层"),
    ("split the expression over several lines with names for the parts", "把表达式拆成几行，并给各部分起名字"),
    ("the program is too deeply nested to read", "程序嵌套太深，无法读取"),
    ("split long expressions into several lines", "把长表达式拆成几行"),
    ("split long expressions into several lines with names for the parts", "把长表达式拆成几行，并给各部分起名字"),
    ("the program has more than ⟨n⟩ syntax elements", "程序的语法元素超过了 ⟨n⟩ 个"),
    ("the program is nested more than ⟨n⟩ levels deep", "程序嵌套超过了 ⟨n⟩ 层"),
    ("`⟨kind⟩` is not part of the Python subset the explorer runs", "`⟨kind⟩` 不在探索器支持的 Python 子集中"),
    ("the name `⟨name⟩` is not allowed", "不允许使用名字 `⟨name⟩`"),
    ("the attribute `.⟨name⟩` is not allowed", "不允许使用属性 `.⟨name⟩`"),
    ("the private attribute `.⟨name⟩` is not allowed", "不允许使用私有属性 `.⟨name⟩`"),
    ("the parameter name `⟨name⟩` is not allowed", "不允许使用参数名 `⟨name⟩`"),
    ("the keyword `⟨name⟩` is not allowed", "不允许使用关键字 `⟨name⟩`"),
    ("the function name `⟨name⟩` is not allowed", "不允许使用函数名 `⟨name⟩`"),
    ("names with double underscores reach Python's internals, which programs here cannot use",
     "带双下划线的名字会触及 Python 的内部机制，这里的程序不能使用"),
    ("bytes literals are not supported", "不支持 bytes 字面量"),
    ("a bare annotation assigns nothing; write `name = value`", "单独的类型注解不会赋值；请写 `name = value`"),
    ("decorators are not supported; call the function directly", "不支持装饰器；请直接调用函数"),
    ("`*args` and `**kwargs` parameters are not supported; name each parameter",
     "不支持 `*args` 和 `**kwargs` 参数；请逐个写出参数名"),
    ("positional-only parameters (`/`) are not supported", "不支持仅限位置的参数（`/`）"),
    ("relative imports are not supported; import from torch or math", "不支持相对导入；请从 torch 或 math 导入"),
    ("`from ⟨module⟩ import *` is not supported", "不支持 `from ⟨module⟩ import *`"),
    ("name what you use: from ⟨module⟩ import ...", "请写出要用的名字：from ⟨module⟩ import ..."),
    ("format specs inside f-strings must be plain, like {loss:.4f}; nested {...} is not allowed",
     "f-string 里的格式说明必须简单，例如 {loss:.4f}；不允许嵌套 {...}"),
    ("classes are not supported; write a function with `def`, or use tensors directly",
     "不支持类；请用 `def` 写一个函数，或直接使用张量"),
    ("`global` is not supported; return the value from the function instead", "不支持 `global`；请让函数返回这个值"),
    ("`nonlocal` is not supported; return the value from the function instead",
     "不支持 `nonlocal`；请让函数返回这个值"),
    ("`lambda` is not supported; write a small function with `def`", "不支持 `lambda`；请用 `def` 写一个小函数"),
    ("`match` is not supported; use if / elif / else", "不支持 `match`；请使用 if / elif / else"),
    ("generators are not supported; build a list instead", "不支持生成器；请改为构建一个列表"),
    ("async code is not supported", "不支持异步代码"),
    ("the walrus operator `:=` is not supported; assign on its own line", "不支持海象运算符 `:=`；请单独写一行赋值"),
    ("try / except is not supported; the explorer shows any error with its line",
     "不支持 try / except；探索器会显示每个错误和它所在的行"),
    ("raise is not supported; use assert to check a condition", "不支持 raise；请用 assert 检查条件"),
    ("set comprehensions are not supported; use a list comprehension", "不支持集合推导式；请使用列表推导式"),
    ("type aliases are not supported", "不支持类型别名"),
    ("indent the body of for / while / if / def by 4 spaces, consistently",
     "for / while / if / def 的代码体请统一缩进 4 个空格"),
    ("check that every bracket is closed", "检查每个括号是否都已闭合"),
    # --- what torch and Python offer (explorer/language/allowlist.py) ------------------------------------
    ("reading files is not allowed (torch.load can run arbitrary code from a pickle)",
     "不允许读取文件（torch.load 可能执行 pickle 里的任意代码）"),
    ("reading files is not allowed", "不允许读取文件"),
    ("writing files is not allowed", "不允许写入文件"),
    ("downloading models is not allowed", "不允许下载模型"),
    ("raw operator access is not allowed", "不允许直接访问底层算子"),
    ("defining operators is not allowed", "不允许定义算子"),
    ("raw class access is not allowed", "不允许直接访问底层类"),
    ("compilation is not available here", "这里不能使用编译"),
    ("torch.utils is not available here", "这里不能使用 torch.utils"),
    ("there is no GPU here; everything runs on the CPU", "这里没有 GPU；所有计算都在 CPU 上进行"),
    ("the explorer seeds every run itself", "探索器会为每次运行设置随机种子"),
    ("not allowed: ⟨why⟩; pass dtype=torch.float64 when you create a tensor",
     "不允许：⟨why⟩；请在创建张量时传入 dtype=torch.float64"),
    ("not allowed: ⟨why⟩", "不允许：⟨why⟩"),
    ("it changes state shared by every user of the process", "它会改变这个进程所有用户共享的状态"),
    ("round() takes at most 400 digits", "round() 最多保留 400 位"),
    ("switch gradients off only inside `with torch.no_grad():`", "只能在 `with torch.no_grad():` 里关闭梯度"),
    ("uninitialised memory is not shown here; use ⟨name⟩", "这里不显示未初始化的内存；请使用 ⟨name⟩"),
    ("raw storage is not available here", "这里不能使用底层存储"),
    ("numpy arrays are not available here; use .tolist() or .item()",
     "这里不能使用 numpy 数组；请使用 .tolist() 或 .item()"),
    ("memory addresses are not available here", "这里不能使用内存地址"),
    ("hooks are what the explorer itself uses to show gradients; they can't be added here",
     "探索器本身用钩子来显示梯度；这里不能再添加钩子"),
    ("running a function per element is not available here; use tensor operations",
     "这里不能对每个元素运行函数；请使用张量运算"),
    ("shared memory is not available here", "这里不能使用共享内存"),
    ("pinned memory is not available here", "这里不能使用锁页内存"),
    ("re-pointing a tensor's storage is not allowed", "不允许改变张量指向的存储"),
    ("resizing in place is not allowed; use reshape or view", "不允许原地改变大小；请使用 reshape 或 view"),
    ("str.format_map can read attributes from its arguments; use an f-string",
     "str.format_map 会读取参数的属性；请使用 f-string"),
    ("it reaches Python's internals, which programs here cannot use", "它会触及 Python 的内部机制，这里的程序不能使用"),
    ("isinstance is not available; compare shapes or values instead", "isinstance 不可用；请改为比较形状或数值"),
    ("use a list comprehension: [f(v) for v in values]", "请使用列表推导式：[f(v) for v in values]"),
    ("use a list comprehension: [v for v in values if cond]", "请使用列表推导式：[v for v in values if cond]"),
    # --- running and recording (explorer/recording, explorer/api.py) ------------------------------------
    ("the program made more than ⟨n⟩ graph nodes", "程序生成的计算图节点超过了 ⟨n⟩ 个"),
    ("use fewer loop iterations or smaller programs", "请减少循环次数或缩短程序"),
    ("the program ran more than ⟨n⟩ backward passes", "程序运行了超过 ⟨n⟩ 次反向传播"),
    ("backward must be one of ⟨modes⟩, not ⟨mode⟩", "backward 必须是 ⟨modes⟩ 之一，而不是 ⟨mode⟩"),
    ("seed must be a whole number from 0 to 2**63-1", "seed 必须是 0 到 2**63-1 之间的整数"),
    ("inputs= names ⟨names⟩, which the program does not leave free (free names: ⟨free⟩)",
     "inputs= 里的 ⟨names⟩ 不是程序的自由名字（自由名字：⟨free⟩）"),
    ("the value for input ⟨name⟩ must be a number or a list of numbers (⟨error⟩)",
     "输入 ⟨name⟩ 的值必须是一个数或一个数字列表（⟨error⟩）"),
    ("the value for input ⟨name⟩ has more than ⟨n⟩ numbers", "输入 ⟨name⟩ 的值超过了 ⟨n⟩ 个数"),
    ("output=⟨name⟩ is not a tensor variable of the program", "output=⟨name⟩ 不是程序中的张量变量"),
    ("inputs must be a dict like {'y': 3.0}", "inputs 必须是字典，例如 {'y': 3.0}"),
    ("the program ran ⟨n⟩ backward passes; the last ⟨k⟩ are shown step by step",
     "程序运行了 ⟨n⟩ 次反向传播；逐步显示的是最后 ⟨k⟩ 次"),
    ("the program has ⟨n⟩ characters; the limit is ⟨m⟩", "程序有 ⟨n⟩ 个字符；上限是 ⟨m⟩"),
    # --- the sandbox and the explorer's own failures (explorer/sandbox, explorer/errors.py) -------------
    ("the program needed more memory than the ⟨n⟩ MB allowed", "程序需要的内存超过了允许的 ⟨n⟩ MB"),
    ("the program needed more memory than allowed", "程序需要的内存超过了允许的上限"),
    ("the program needed more memory than ⟨what⟩", "程序需要的内存超过了上限（⟨what⟩）"),
    ("make the tensors smaller or use fewer of them", "请把张量变小，或者少用一些张量"),
    ("the explorer is fine — try smaller or simpler arguments", "探索器本身没有问题——请试试更小或更简单的参数"),
    ("the program ran longer than ⟨s⟩ s and was stopped", "程序运行超过了 ⟨s⟩ 秒，已被停止"),
    ("the program used more than ⟨s⟩ s of CPU time and was stopped", "程序使用了超过 ⟨s⟩ 秒的 CPU 时间，已被停止"),
    ("the result is too large to show (more than ⟨n⟩ MB)", "结果太大，无法显示（超过 ⟨n⟩ MB）"),
    ("keep fewer or smaller tensors, or print less", "少保留一些张量或用更小的张量，或者少打印一些"),
    ("the program was stopped by the system, most likely because it needed too much memory",
     "程序被系统停止了，很可能是因为它需要的内存太多"),
    ("the program crashed inside torch (signal ⟨n⟩, ⟨name⟩)", "程序在 torch 内部崩溃了（信号 ⟨n⟩，⟨name⟩）"),
    ("the worker process stopped (exit code ⟨n⟩) before it sent a result",
     "工作进程在返回结果之前就退出了（退出码 ⟨n⟩）"),
    ("internal error: ⟨error⟩", "内部错误：⟨error⟩"),
    ("the explorer failed: ⟨error⟩", "探索器出错：⟨error⟩"),
    ("the worker failed: ⟨error⟩", "工作进程出错：⟨error⟩"),
    ("the result could not be turned into JSON: ⟨error⟩", "结果无法转换为 JSON：⟨error⟩"),
    ("the explorer could not start a worker process: ⟨error⟩", "探索器无法启动工作进程：⟨error⟩"),
    ("the explorer failed to run the program: ⟨error⟩", "探索器运行程序失败：⟨error⟩"),
    ("the worker sent back a result that is not valid JSON", "工作进程返回的结果不是有效的 JSON"),
    ("the worker sent back a result that is not a JSON object", "工作进程返回的结果不是 JSON 对象"),
    ("the explorer could not reach a worker process", "探索器无法连接到工作进程"),
    ("run the program again", "请再运行一次程序"),
    ("the worker process vanished before it sent a result", "工作进程在返回结果之前消失了"),
    ("the explorer could not load its runner: ⟨error⟩", "探索器无法加载它的运行器：⟨error⟩"),
    ("the runner returned a ⟨type⟩, not a dict", "运行器返回了 ⟨type⟩，而不是字典"),
    # --- what to do about torch's own errors (explorer/errors.py HINTS) ---------------------------------
    ("backward() needs a single number to start from: call out.sum().backward() or out.mean().backward(), "
     "or pass a gradient of the same shape: out.backward(torch.ones_like(out))",
     "backward() 需要从一个数开始：调用 out.sum().backward() 或 out.mean().backward()，"
     "或者传入形状相同的梯度：out.backward(torch.ones_like(out))"),
    ("the first backward freed the graph's saved values: pass retain_graph=True to it, or run the forward "
     "pass again before each backward",
     "第一次 backward 已经释放了计算图保存的值：给它传入 retain_graph=True，"
     "或者在每次 backward 之前重新做一遍前向计算"),
    ("update parameters inside `with torch.no_grad():`, or assign a new tensor instead of changing it in place",
     "请在 `with torch.no_grad():` 里更新参数，或者赋一个新张量，而不是原地修改它"),
    ("create the input with requires_grad=True, e.g. torch.tensor(2.0, requires_grad=True)",
     "创建输入时加上 requires_grad=True，例如 torch.tensor(2.0, requires_grad=True)"),
    ("a value autograd saved was changed in place later; use out-of-place ops (x = x * 2 instead of x *= 2)",
     "autograd 保存的某个值后来被原地修改了；请使用非原地运算（用 x = x * 2 代替 x *= 2）"),
    ("that input does not affect the output; pass allow_unused=True to get None for it",
     "这个输入不影响输出；传入 allow_unused=True 可以让它得到 None"),
    ("check the shapes with print(a.shape, b.shape); matrix products need a (n, k) @ (k, m)",
     "用 print(a.shape, b.shape) 检查形状；矩阵乘法需要 (n, k) @ (k, m)"),
    ("the shapes do not broadcast; check them with print(x.shape)", "这些形状无法广播；请用 print(x.shape) 检查"),
    ("use float tensors for gradients: torch.tensor([1.0, 2.0]) or dtype=torch.float32",
     "求梯度请使用浮点张量：torch.tensor([1.0, 2.0]) 或 dtype=torch.float32"),
    ("use .any() or .all(), or compare a single element", "请使用 .any() 或 .all()，或者只比较一个元素"),
    ("a tensor with requires_grad can't become a number or list directly: call .detach() first",
     "带 requires_grad 的张量不能直接变成数字或列表：请先调用 .detach()"),
    ("use .tolist() or .item()", "请使用 .tolist() 或 .item()"),
    ("indices start at 0 and stop one before the length", "下标从 0 开始，到长度减一为止"),
)

# Messages that are Python's or torch's own words with a prefix of ours: they stay as they are.
OWN_WORDS: tuple[str, ...] = ("ValueError: ⟨error⟩",)

_PART = re.compile(r"⟨(\w+)⟩")


def _pattern(template: str) -> re.Pattern[str]:
    pieces = _PART.split(template)  # literal, name, literal, name, ...
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(pieces))
    return re.compile(regex, re.DOTALL)


def _literal_length(template: str) -> int:
    return len(_PART.sub("", template))


# the most specific first: "`x` is not available: there are no imports here" before "`x` is not available: ⟨why⟩"
_TABLE = [(_pattern(en), zh) for en, zh in sorted(MESSAGES, key=lambda pair: -_literal_length(pair[0]))]
_OWN = tuple(_pattern(t) for t in OWN_WORDS)


@functools.lru_cache(maxsize=512)
def to_chinese(text: str) -> str | None:
    """The Chinese of one of the explorer's messages, or None for words that are not ours (torch's, Python's)."""
    for pattern, zh in _TABLE:
        m = pattern.fullmatch(text)
        if m is None:
            continue
        parts = m.groupdict()
        for name, value in parts.items():
            if name.startswith("why"):
                parts[name] = to_chinese(value) or value
        return _PART.sub(lambda p, parts=parts: parts[p.group(1)], zh)
    return None


def is_own_words(text: str) -> bool:
    """Python's or torch's words under a prefix of ours ("ValueError: ..."): they stay untranslated."""
    return any(p.fullmatch(text) for p in _OWN)
