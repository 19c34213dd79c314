"""Every string the app shows, in English and Simplified Chinese.

    t("run", "zh")                      # "运行"
    t("status", "en", nodes=3, ...)     # formatted with str.format

Keys are the same in both languages (tests/app/test_i18n.py checks it, and that every placeholder of a key
appears in both). Example titles and summaries live with the examples (`Example.title(lang)`); the words
of the animation captions with the step format (explorer/drawing/steps.py); the plain-words node
explanations in explorer/drawing/explain.py; plotly's toolbar words below (PLOTLY_WORDS). The explorer's own
error messages and hints are translated by `message` (their Chinese: explorer/app/messages.py); error and
notice texts from torch itself stay in torch's English, under a translated heading.
"""
from __future__ import annotations

import string

from explorer.choices import DEFAULT_LANG, normalize_lang

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "app.title": "Autograd Explorer",
        "app.subtitle": "Type a small PyTorch program, see the graph autograd records, and follow the values "
                        "forward and the gradients back, node by node.",
        "examples": "Examples",
        "examples.placeholder": "Pick an example…",
        "program": "Program",
        "editor.placeholder": "x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)\ny = x * x\n…",
        "editor.too_long": "Not added: the program would have {n} characters, and the limit is {limit}.",
        "editor.resize": "Drag to make the program's column wider or narrower (← → when focused)",
        "editor.label": "Program editor: Ctrl+Enter runs; Esc then Tab leaves it",
        "run": "Run",
        "run.title": "Run the program (Ctrl+Enter)",
        "error.syntax": "Syntax error",
        "error.not-allowed": "Not allowed here",
        "error.limit": "Limit reached",
        "error.runtime": "The program failed",
        "error.internal": "Something went wrong inside the explorer. The last good graph is still shown; "
                          "try again or change the program.",
        "error.where": "line {line}, column {col}",
        "error.where_line": "line {line}",
        "error.hint": "Hint",
        "error.own_words": "torch's (or Python's) own words:",
        "error.kept": "The graph below is from the last program that ran.",
        "source.title": "Source of the selected node",
        "source.error": "Where the error is",
        "inputs": "Inputs",
        "inputs.help": "Names the program uses without defining them become input tensors. Edit a value "
                       "(a number or a list like [1, 2]) and press Enter or Run.",
        "inputs.none": "This program defines every name it uses.",
        "inputs.bad": "The value for {name} must be a number or a list of numbers such as [1, 2].",
        "backward": "Back-propagate from a non-scalar output",
        "backward.help": "torch's backward() needs a single number. For a vector or matrix output, choose "
                         "how to get one:",
        "backward.auto": "only if scalar (as torch)",
        "backward.sum": "sum",
        "backward.mean": "mean",
        "backward.ones": "gradient of ones",
        "backward.none": "no backward",
        "notices": "Notes",
        "notice.non-scalar-output": "{name} is not a single number, so torch's backward() would stop with "
                                    "“grad can be implicitly created only for scalar outputs”. Reduce it "
                                    "first ({name}.sum(), {name}.mean()) or pass one weight per element "
                                    "(a gradient of ones): choose above.",
        "notice.no-output": "No tensor here is computed from one that requires grad, so there is nothing "
                            "to back-propagate.",
        "notice.no-grad-output": "{name} does not depend on any tensor with requires_grad=True, so it has "
                                 "no gradient.",
        "notice.trimmed": "The program ran many backward passes; only the last ones are shown step by step.",
        "notice.torch-warning": "torch printed a warning",
        "notice.stdout-truncated": "The printed output was cut short.",
        "notice.plotting-skipped": "Plotting is skipped here: matplotlib's calls do nothing, and the graph shows "
                                   "the computation.",
        "output": "Printed output",
        "graph.empty": "Run a program to see its graph.",
        "status": "{nodes} nodes · {forward} forward steps · {backward} backward steps",
        "status.big": "A big graph: {nodes} nodes. Drawing it takes a moment; zoom with the mouse wheel.",
        "timeline.first": "First step (Home)",
        "timeline.back": "Step back (←)",
        "timeline.play": "Play / pause (Space)",
        "timeline.forward": "Step forward (→)",
        "timeline.last": "Last step (End)",
        "timeline.scrub": "Drag to any step",
        "speed": "Speed",
        "detail": "Node details",
        "detail.empty": "Click a node in the graph to read its value, the gradient that reached it and "
                        "the gradient it sent to each input.",
        "detail.kind.leaf": "leaf tensor",
        "detail.kind.op": "operation",
        "detail.kind.constant": "constant",
        "detail.variable": "Variable",
        "detail.shape": "Shape",
        "detail.scalar": "scalar",
        "detail.source": "Source",
        "detail.value": "Value (forward)",
        "detail.grad_in": "Gradient that arrived",
        "detail.grad_leaf": "Gradient (.grad)",
        "detail.inputs": "Inputs and the gradient sent to each",
        "detail.input": "input",
        "detail.input_value": "value",
        "detail.grad_sent": "gradient sent",
        "detail.local": "local derivative",
        "detail.chain": "Chain rule, with the numbers",
        "detail.saved": "Saved for backward",
        "detail.saved_why": "what autograd kept from the forward pass to compute this node's gradient "
                            "(grad_fn._saved_…)",
        "detail.uses": "Contributions that arrived",
        "detail.passes": "The gradient, pass by pass",
        "detail.pass": "backward pass",
        "detail.pass_grad": "gradient it brought",
        "detail.grad_after": ".grad afterwards",
        "detail.line": "line {line}",
        "detail.none": "—",
        "export": "Export",
        "export.png": "PNG",
        "export.svg": "SVG",
        "export.pdf": "PDF",
        "export.html": "HTML",
        "export.json": "JSON",
        "export.png.title": "Download the graph as a PNG picture",
        "export.svg.title": "Download the graph as an SVG drawing",
        "export.pdf.title": "Download the graph as a PDF page",
        "export.html.title": "Download an HTML page that plays the steps offline",
        "export.json.title": "Download the trace as JSON data",
        "export.gif": "GIF",
        "export.gif.title": "Download the steps as an animated GIF picture (takes a few seconds)",
        "export.failed": "Export failed: {message}",
        "export.nothing": "Run a program first: there is no graph to export yet.",
        "settings": "Settings",
        "theme": "Theme",
        "theme.light": "Light",
        "theme.dark": "Dark",
        "theme.projector": "Projector",
        "direction": "Direction",
        "direction.auto": "Best fit",
        "direction.LR": "Left to right",
        "direction.TB": "Top to bottom",
        "digits": "Digits",
        "digits.title": "Significant digits of every number: on the graph, in its hover texts and captions, on the "
                        "edges and in the node's details (2 or 3 for a projector, 6 to check a gradient by hand)",
        "constants": "Show constants",
        "groups": "Groups",
        "groups.title": "Automatic: a graph too big to read here opens with the earlier iterations of its loops "
                        "collapsed (and its modules, if that is not enough); click a collapsed node, then Expand",
        "groups.depth.auto": "Automatic",
        "groups.depth.open": "All open",
        "groups.depth.repeated": "Repeated blocks once",
        "groups.depth.n": "Modules to depth {n}",
        "search.placeholder": "Find: name, op, module, source…",
        "group.expand": "Expand",
        "group.collapse": "Collapse",
        "group.kind": "Kind",
        "group.kind.module": "module call",
        "group.kind.function": "function call",
        "group.kind.loop": "loop iteration",
        "group.kind.line": "line",
        "group.class": "Class",
        "group.nodes": "Nodes inside",
        "group.line": "Line",
        "group.param": "Parameter",
        "group.params": "Parameters ({n} numbers)",
        "group.grad_norm": "Gradient norm",
        "language": "Language",
        "present": "Presentation",
        "present.title": "Presentation mode: the graph fills the screen (P, Esc to leave)",
        "share": "Share",
        "share.help": "This link opens the same program, inputs and settings:",
        "share.copy": "Copy link",
        "share.copied": "Copied",
        "show_all": "Show all",
        "show_all.title": "Show every value and gradient at once, instead of as they flow (A)",
        "quiz": "Quiz",
        "quiz.title": "Quiz mode: predict each gradient before it is revealed",
        "quiz.placeholder": "your answer: 12, or [1, 2]",
        "quiz.check": "Check",
        "quiz.skip": "Reveal",
        "quiz.right": "Right!",
        "quiz.wrong": "Not quite: you said {given}.",
        "quiz.skipped": "Revealed without an answer.",
        "quiz.unreadable": "Type a number, or a list of numbers such as [1, 2].",
        "quiz.too_big": "This gradient has too many numbers to type: press Reveal.",
        "quiz.score": "Score {right}/{asked}",
        "keys": "Keys: Space play/pause · ← → step · Home/End first/last · Ctrl+Enter run · P presentation · "
                "A show all",
    },
    "zh": {
        "app.title": "自动求导探索器",
        "app.subtitle": "输入一小段 PyTorch 程序，查看 autograd 记录下的计算图，逐个节点跟随前向的数值和反向的梯度。",
        "examples": "示例",
        "examples.placeholder": "选择一个示例…",
        "program": "程序",
        "editor.placeholder": "x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)\ny = x * x\n…",
        "editor.too_long": "未添加：程序将有 {n} 个字符，超过上限 {limit}。",
        "editor.resize": "拖动以加宽或收窄程序栏（获得焦点时可用 ← →）",
        "editor.label": "程序编辑器：Ctrl+Enter 运行；先按 Esc 再按 Tab 可离开",
        "run": "运行",
        "run.title": "运行程序（Ctrl+Enter）",
        "error.syntax": "语法错误",
        "error.not-allowed": "这里不允许这样写",
        "error.limit": "超出限制",
        "error.runtime": "程序运行出错",
        "error.internal": "探索器内部出了问题。下面仍显示上一次成功的计算图；请重试或修改程序。",
        "error.where": "第 {line} 行，第 {col} 列",
        "error.where_line": "第 {line} 行",
        "error.hint": "提示",
        "error.own_words": "torch（或 Python）的原文（英文）：",
        "error.kept": "下面的计算图来自上一次成功运行的程序。",
        "source.title": "所选节点对应的源代码",
        "source.error": "出错的位置",
        "inputs": "输入",
        "inputs.help": "程序中使用但没有定义的名字会变成输入张量。修改它的值（一个数，或像 [1, 2] 这样的列表），"
                       "然后按回车或点击运行。",
        "inputs.none": "这个程序用到的名字都已定义。",
        "inputs.bad": "{name} 的值必须是一个数或一个数字列表，例如 [1, 2]。",
        "backward": "从非标量输出开始反向传播",
        "backward.help": "torch 的 backward() 需要从一个数开始。输出是向量或矩阵时，请选择如何得到这个数：",
        "backward.auto": "仅限标量（与 torch 相同）",
        "backward.sum": "求和",
        "backward.mean": "求平均",
        "backward.ones": "全 1 梯度",
        "backward.none": "不做反向传播",
        "notices": "说明",
        "notice.non-scalar-output": "{name} 不是一个数，所以 torch 的 backward() 会报错："
                                    "“grad can be implicitly created only for scalar outputs”。"
                                    "请先把它归约成标量（{name}.sum()、{name}.mean()），"
                                    "或者为每个元素给出一个权重（全 1 梯度）：在上面选择。",
        "notice.no-output": "这里没有由需要梯度的张量计算出来的张量，所以没有可以反向传播的东西。",
        "notice.no-grad-output": "{name} 不依赖任何 requires_grad=True 的张量，所以它没有梯度。",
        "notice.trimmed": "程序运行了很多次反向传播；只逐步显示最后几次。",
        "notice.torch-warning": "torch 给出了一条警告",
        "notice.stdout-truncated": "打印输出太长，已被截断。",
        "notice.plotting-skipped": "这里不画图：matplotlib 的调用什么也不做，计算图展示的是计算过程。",
        "output": "打印输出",
        "graph.empty": "运行一个程序来查看它的计算图。",
        "status": "{nodes} 个节点 · {forward} 个前向步骤 · {backward} 个反向步骤",
        "status.big": "这是一张大图：{nodes} 个节点。绘制需要一点时间；可以用鼠标滚轮缩放。",
        "timeline.first": "第一步（Home）",
        "timeline.back": "后退一步（←）",
        "timeline.play": "播放 / 暂停（空格）",
        "timeline.forward": "前进一步（→）",
        "timeline.last": "最后一步（End）",
        "timeline.scrub": "拖动到任意一步",
        "speed": "速度",
        "detail": "节点详情",
        "detail.empty": "点击图中的一个节点，查看它的值、到达它的梯度，以及它传回给每个输入的梯度。",
        "detail.kind.leaf": "叶子张量",
        "detail.kind.op": "运算",
        "detail.kind.constant": "常量",
        "detail.variable": "变量",
        "detail.shape": "形状",
        "detail.scalar": "标量",
        "detail.source": "源代码",
        "detail.value": "值（前向）",
        "detail.grad_in": "到达的梯度",
        "detail.grad_leaf": "梯度（.grad）",
        "detail.inputs": "输入，以及传给每个输入的梯度",
        "detail.input": "输入",
        "detail.input_value": "值",
        "detail.grad_sent": "传回的梯度",
        "detail.local": "局部导数",
        "detail.chain": "链式法则（代入数值）",
        "detail.saved": "为反向传播保存的值",
        "detail.saved_why": "autograd 在前向传播时保存下来、用于计算这个节点梯度的值（grad_fn._saved_…）",
        "detail.uses": "到达的各份梯度",
        "detail.passes": "逐次反向传播的梯度",
        "detail.pass": "反向传播",
        "detail.pass_grad": "带来的梯度",
        "detail.grad_after": "之后的 .grad",
        "detail.line": "第 {line} 行",
        "detail.none": "—",
        "export": "导出",
        "export.png": "PNG",
        "export.svg": "SVG",
        "export.pdf": "PDF",
        "export.html": "HTML",
        "export.json": "JSON",
        "export.png.title": "把计算图下载为 PNG 图片",
        "export.svg.title": "把计算图下载为 SVG 矢量图",
        "export.pdf.title": "把计算图下载为 PDF 页面",
        "export.html.title": "下载一个可离线逐步播放的 HTML 页面",
        "export.json.title": "把追踪数据下载为 JSON",
        "export.gif": "GIF",
        "export.gif.title": "把逐步动画下载为 GIF 动图（需要几秒钟）",
        "export.failed": "导出失败：{message}",
        "export.nothing": "请先运行一个程序：现在还没有可以导出的计算图。",
        "settings": "设置",
        "theme": "主题",
        "theme.light": "浅色",
        "theme.dark": "深色",
        "theme.projector": "投影",
        "direction": "方向",
        "direction.auto": "自动适配",
        "direction.LR": "从左到右",
        "direction.TB": "从上到下",
        "digits": "有效数字",
        "digits.title": "每个数字的有效位数：图上、悬停文字和说明里、边上以及节点详情中"
                        "（投影时用 2 或 3 位，手算核对梯度时用 6 位）",
        "constants": "显示常量",
        "groups": "分组",
        "groups.title": "自动：图太大、读不清时，循环的前几次迭代折叠起来（不够时再折叠模块）；"
                        "点击折叠的节点，再点“展开”",
        "groups.depth.auto": "自动",
        "groups.depth.open": "全部展开",
        "groups.depth.repeated": "重复的块只画一次",
        "groups.depth.n": "模块展开到第 {n} 层",
        "search.placeholder": "查找：变量名、运算、模块、源代码…",
        "group.expand": "展开",
        "group.collapse": "折叠",
        "group.kind": "类型",
        "group.kind.module": "模块调用",
        "group.kind.function": "函数调用",
        "group.kind.loop": "循环迭代",
        "group.kind.line": "代码行",
        "group.class": "类",
        "group.nodes": "内部节点数",
        "group.line": "行",
        "group.param": "参数",
        "group.params": "参数（共 {n} 个数）",
        "group.grad_norm": "梯度范数",
        "language": "语言",
        "present": "演示模式",
        "present.title": "演示模式：计算图占满整个屏幕（P 键；Esc 退出）",
        "share": "分享",
        "share.help": "这个链接会打开相同的程序、输入和设置：",
        "share.copy": "复制链接",
        "share.copied": "已复制",
        "show_all": "全部显示",
        "show_all.title": "一次显示所有数值和梯度，而不是随计算流动逐步显示（A 键）",
        "quiz": "测验",
        "quiz.title": "测验模式：在梯度揭晓之前先预测它",
        "quiz.placeholder": "你的答案：12，或 [1, 2]",
        "quiz.check": "检查",
        "quiz.skip": "揭晓",
        "quiz.right": "答对了！",
        "quiz.wrong": "不太对：你的答案是 {given}。",
        "quiz.skipped": "未作答，直接揭晓。",
        "quiz.unreadable": "请输入一个数，或一组数，例如 [1, 2]。",
        "quiz.too_big": "这个梯度的数太多，不便输入：请点击“揭晓”。",
        "quiz.score": "得分 {right}/{asked}",
        "keys": "快捷键：空格 播放/暂停 · ← → 单步 · Home/End 第一步/最后一步 · Ctrl+Enter 运行 · P 演示模式 · "
                "A 全部显示",
    },
}


# plotly's toolbar (its modebar) and notes, by language: its own words (the keys, plotly.js's English) in
# each language that needs them; graph_config (layout.py) hands them to plotly as a locale
PLOTLY_LOCALES = {"en": "en", "zh": "zh-CN"}
PLOTLY_WORDS: dict[str, dict[str, str]] = {
    "en": {},
    "zh": {
        "Autoscale": "自动缩放",
        "Box Select": "框选",
        "Compare data on hover": "悬停时比较数据",
        "Download plot as a PNG": "下载为 PNG 图片",
        "Download plot": "下载图片",
        "Lasso Select": "套索选择",
        "Pan": "平移",
        "Reset axes": "重置视图",
        "Reset": "重置",
        "Show closest data on hover": "悬停时显示最近的数据",
        "Snapshot succeeded": "图片已生成",
        "Sorry, there was a problem downloading your snapshot!": "抱歉，下载图片时出了问题！",
        "Taking snapshot - this may take a few seconds": "正在生成图片，可能需要几秒钟",
        "Toggle Spike Lines": "显示/隐藏辅助线",
        "Toggle show closest data on hover": "切换悬停时显示最近的数据",
        "Zoom in": "放大",
        "Zoom out": "缩小",
        "Zoom": "缩放",
        "Double-click to zoom back out": "双击恢复原来的大小",
        "Double-click on legend to isolate one trace": "双击图例只显示这一条",
    },
}

normalize = normalize_lang  # 'zh', 'zh-CN', 'zh_Hans' -> 'zh'; anything else (None, junk) -> 'en'


def t(key: str, lang: object = DEFAULT_LANG, **fmt: object) -> str:
    """The string `key` in `lang`, formatted with `fmt`; falls back to English, then to the key itself."""
    table = STRINGS[normalize(lang)]
    text = table.get(key, STRINGS[DEFAULT_LANG].get(key, key))
    if fmt:
        try:
            return text.format(**fmt)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def message(text: str, lang: object = DEFAULT_LANG) -> str | None:
    """One of the explorer's own messages or hints in `lang` (the text itself in English); None when it is
    not one of ours (torch's or Python's words, which stay as they are)."""
    if normalize(lang) == DEFAULT_LANG:
        return text
    from explorer.app.messages import to_chinese

    return to_chinese(text)


def placeholders(text: str) -> set[str]:
    """The {names} a string is formatted with."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
