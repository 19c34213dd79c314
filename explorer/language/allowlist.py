"""The tables: exactly which names a program may reach, per type of object.

A "no leading underscore" rule is not enough (torch.os, torch.sys, F.importlib and
torch.utils.collect_env.run exist), so nothing is reachable unless it is named here. The interpreter
resolves every attribute through these tables by the type of the object it is read from, and every call
by the object it resolves to. Keep them to what tutorial programs need: some functions crash the whole
process on bad arguments (F.ctc_loss, F.embedding_bag, F.max_pool1d in torch 2.13), so they stay out.
"""
from __future__ import annotations

import math

import torch

# --- torch.* -------------------------------------------------------------------------------------------

# Functions whose output size follows from their arguments; the interpreter checks it before allocating.
TORCH_FACTORIES = frozenset(
    """tensor as_tensor zeros ones full arange linspace logspace eye rand randn randint randperm normal
    zeros_like ones_like full_like rand_like randn_like randint_like empty empty_like""".split()
)
# Uninitialised memory is never shown: torch.empty gives zeros here (the docs' `torch.empty(3).random_(5)` runs).
ZEROED_FACTORIES = {"empty": "zeros", "empty_like": "zeros_like"}

TORCH_FUNCTIONS = TORCH_FACTORIES | frozenset(
    """multinomial add sub subtract mul multiply div divide true_divide pow exp exp2 expm1 log log2 log10 log1p sqrt
    rsqrt square sin cos tan asin acos atan atan2 sinh cosh tanh sigmoid relu abs neg negative sign
    reciprocal floor ceil round trunc frac clamp clip clamp_min clamp_max sum mean prod max min amax amin
    argmax argmin maximum minimum dot vdot matmul mm bmm mv outer ger cat concat stack hstack vstack where
    std var norm cumsum cumprod logsumexp softmax log_softmax t transpose permute reshape flatten squeeze
    unsqueeze numel is_tensor allclose isclose equal eq ne lt le gt ge isnan isinf isfinite any all einsum
    diag diagonal trace tril triu sort argsort topk gather index_select masked_fill chunk split unbind flip
    roll lerp erf addmm addmv kron cross cdist tensordot broadcast_to broadcast_shapes detach median fmod
    remainder count_nonzero from_numpy scatter scatter_add""".split()
)

# Functions that can make a result much larger than their inputs: their result shape is worked out on
# the "meta" device (no memory) and checked before the real call.
EXPANDING = frozenset(
    "matmul mm bmm mv outer ger kron cdist tensordot einsum addmm addmv cartesian_prod multinomial".split()
)

TORCH_VALUES: dict[str, object] = {
    "float": torch.float, "float32": torch.float32, "float64": torch.float64, "double": torch.double,
    "half": torch.half, "float16": torch.float16, "bfloat16": torch.bfloat16,
    "int": torch.int, "int8": torch.int8, "int16": torch.int16, "int32": torch.int32,
    "int64": torch.int64, "long": torch.long, "bool": torch.bool, "uint8": torch.uint8,
    "pi": math.pi, "e": math.e, "inf": math.inf, "nan": math.nan,
}

AUTOGRAD_FUNCTIONS = frozenset({"grad", "backward"})
OPTIMIZERS = frozenset({"SGD", "Adam", "AdamW", "RMSprop", "Adagrad"})
LINALG_FUNCTIONS = frozenset({"norm", "vector_norm", "matrix_norm", "det", "inv", "solve"})

# Names people try that we refuse with a reason (anything else unknown gets a generic message).
_STATE = "it changes state shared by every user of the process"
TORCH_REFUSED: dict[str, str] = {
    "load": "reading files is not allowed (torch.load can run arbitrary code from a pickle)",
    "save": "writing files is not allowed",
    "from_file": "reading files is not allowed",
    "hub": "downloading models is not allowed",
    "ops": "raw operator access is not allowed",
    "library": "defining operators is not allowed",
    "classes": "raw class access is not allowed",
    "jit": "compilation is not available here",
    "compile": "compilation is not available here",
    "seed": "the explorer seeds every run itself",
    "set_default_dtype": f"not allowed: {_STATE}; pass dtype=torch.float64 when you create a tensor",
    "set_default_tensor_type": f"not allowed: {_STATE}",
    "set_num_threads": f"not allowed: {_STATE}",
    "set_num_interop_threads": f"not allowed: {_STATE}",
    "use_deterministic_algorithms": f"not allowed: {_STATE}",
    "set_flush_denormal": f"not allowed: {_STATE}",
    "storage": "raw storage is not available here",
}

# --- torch.nn.functional -------------------------------------------------------------------------------

F_FUNCTIONS = frozenset(
    """relu relu6 leaky_relu elu selu celu gelu silu mish softplus softsign hardtanh hardsigmoid hardswish
    logsigmoid sigmoid tanh softmax log_softmax softmin normalize linear mse_loss l1_loss smooth_l1_loss
    huber_loss cross_entropy nll_loss binary_cross_entropy binary_cross_entropy_with_logits kl_div
    cosine_similarity pairwise_distance one_hot dropout conv1d conv2d max_pool2d avg_pool1d avg_pool2d
    adaptive_avg_pool1d adaptive_avg_pool2d layer_norm batch_norm embedding pad interpolate""".split()
)

# Functions whose result can be larger than their inputs: the result shape is worked out on the meta device.
# The spatial ones also take only sizes (kernel, stride, padding, ...) up to max_tensor_elements: some of
# torch's kernels crash on larger ones instead of refusing them (F.max_pool1d with a kernel of 2**40).
F_SPATIAL = frozenset(
    "conv1d conv2d max_pool2d avg_pool1d avg_pool2d adaptive_avg_pool1d adaptive_avg_pool2d pad interpolate".split()
)
F_EXPANDING = frozenset({"linear", "pairwise_distance", "cosine_similarity", "embedding"}) | F_SPATIAL

# --- torch.nn ------------------------------------------------------------------------------------------
# Layers and losses are real torch modules, made through explorer/language/layers.py: the sizes of their
# parameters are worked out on the meta device before any memory is taken, and each call's result size
# before it runs. (MaxPool1d's sizes are checked when it is made; F.max_pool1d itself stays out, see above.)

NN_LAYERS = frozenset(
    """Linear Bilinear Conv1d Conv2d MaxPool1d MaxPool2d AvgPool1d AvgPool2d AdaptiveAvgPool1d
    AdaptiveAvgPool2d Flatten Unflatten Dropout Dropout1d Dropout2d BatchNorm1d BatchNorm2d LayerNorm
    Embedding RNN LSTM GRU RNNCell LSTMCell GRUCell Identity""".split()
)
# the ones with parameters or buffers (made on the meta device first to check their sizes)
NN_WITH_PARAMETERS = frozenset(
    """Linear Bilinear Conv1d Conv2d BatchNorm1d BatchNorm2d LayerNorm Embedding RNN LSTM GRU RNNCell LSTMCell
    GRUCell PReLU""".split()
)
NN_ACTIVATIONS = frozenset(
    """ReLU ReLU6 LeakyReLU PReLU ELU SELU CELU GELU SiLU Mish Sigmoid Tanh Softplus Softsign Hardtanh
    Hardsigmoid Hardswish LogSigmoid Softmax LogSoftmax Softmin Tanhshrink Softshrink Hardshrink
    Threshold""".split()
)
NN_LOSSES = frozenset(
    "MSELoss L1Loss SmoothL1Loss HuberLoss CrossEntropyLoss NLLLoss BCELoss BCEWithLogitsLoss KLDivLoss".split()
)
# losses that compare input and target element by element (they broadcast the two: checked first)
NN_ELEMENTWISE_LOSSES = frozenset("MSELoss L1Loss SmoothL1Loss HuberLoss BCELoss BCEWithLogitsLoss KLDivLoss".split())
NN_CONTAINERS = frozenset({"Sequential", "ModuleList", "ModuleDict"})
NN_MODULES = NN_LAYERS | NN_ACTIVATIONS | NN_LOSSES | NN_CONTAINERS
NN_MEMBERS = NN_MODULES | frozenset({"functional", "Parameter", "Module", "init", "utils"})
# at most this many stacked layers in one RNN / LSTM / GRU (each is a handful of tensors, made one by one)
MAX_RNN_LAYERS = 16

NN_INIT = frozenset(
    """normal_ uniform_ zeros_ ones_ constant_ eye_ xavier_uniform_ xavier_normal_ kaiming_uniform_
    kaiming_normal_ trunc_normal_ calculate_gain""".split()
)
NN_UTILS = frozenset({"clip_grad_norm_", "clip_grad_value_"})

# What a program may call on any module (its own nn.Module classes and torch's layers).
MODULE_METHODS = frozenset(
    """parameters named_parameters buffers named_buffers children named_children modules named_modules
    zero_grad train eval to cpu float double requires_grad_ forward add_module register_module
    register_buffer register_parameter apply""".split()
)
MODULE_ATTRIBUTES = frozenset({"training"})
CONTAINER_METHODS: dict[str, frozenset] = {
    "Sequential": frozenset({"append", "extend", "insert"}),
    "ModuleList": frozenset({"append", "extend", "insert"}),
    "ModuleDict": frozenset({"keys", "values", "items", "update"}),
}
# A layer's settings a program may read (`layer.in_features`); only plain values are handed out. Its
# parameters, buffers and sub-modules are read by their names (`layer.weight`, `lstm.weight_ih_l0`).
LAYER_ATTRIBUTES = frozenset(
    """in_features out_features in1_features in2_features in_channels out_channels kernel_size stride
    padding dilation groups padding_mode output_padding num_features eps momentum affine
    track_running_stats normalized_shape elementwise_affine num_embeddings embedding_dim padding_idx max_norm
    norm_type scale_grad_by_freq input_size hidden_size num_layers bias batch_first dropout bidirectional
    proj_size mode nonlinearity p inplace dim start_dim end_dim unflattened_size output_size ceil_mode
    count_include_pad divisor_override return_indices negative_slope alpha lambd beta threshold value
    min_val max_val approximate reduction ignore_index label_smoothing delta log_target num_parameters
    init""".split()
)
_HOOKS = "hooks into a module's internals are not available here"
MODULE_REFUSED: dict[str, str] = {
    "state_dict": "a module's state dict reaches its internals; read its parameters with named_parameters()",
    "load_state_dict": "loading state into a module is not available here; set parameters inside "
                       "`with torch.no_grad():`",
    "register_forward_hook": _HOOKS,
    "register_forward_pre_hook": _HOOKS,
    "register_backward_hook": _HOOKS,
    "register_full_backward_hook": _HOOKS,
    "register_full_backward_pre_hook": _HOOKS,
    "register_state_dict_pre_hook": _HOOKS,
    "register_state_dict_post_hook": _HOOKS,
    "register_load_state_dict_pre_hook": _HOOKS,
    "register_load_state_dict_post_hook": _HOOKS,
    "get_extra_state": _HOOKS,
    "set_extra_state": _HOOKS,
    "set_submodule": "replace a sub-module by assigning it: self.name = layer",
    "cuda": "there is no GPU here; everything runs on the CPU",
    "share_memory": "shared memory is not available here",
    "to_empty": "uninitialised memory is not shown here",
    "compile": "compilation is not available here",
    "type": "use .to(torch.float64) or .double()",
}

# torch.utils.data: datasets of tensors and a loader over them (in this process: num_workers stays 0)
DATA_MEMBERS = frozenset({"TensorDataset", "DataLoader", "Dataset", "random_split"})
LOADER_KWARGS = frozenset({"batch_size", "shuffle", "drop_last", "num_workers", "collate_fn"})
LOADER_ATTRIBUTES = frozenset({"dataset", "batch_size", "drop_last"})
DATASET_ATTRIBUTES = frozenset({"tensors"})
SUBSET_ATTRIBUTES = frozenset({"dataset", "indices"})  # a part made by random_split


# --- tensors -------------------------------------------------------------------------------------------

TENSOR_METHODS = frozenset(
    """sum mean pow exp log t view view_as reshape reshape_as detach backward item tolist zero_
    requires_grad_ retain_grad norm dot matmul clamp clamp_ clip where add sub mul div neg abs sqrt sin cos
    tan tanh sigmoid relu softmax log_softmax max min argmax argmin size dim numel nelement multinomial unsqueeze
    squeeze flatten transpose permute expand expand_as repeat contiguous clone float double long int bool half
    to type_as mm mv bmm square exp_ add_ sub_ mul_ div_ pow_ fill_ clamp_min clamp_max std var prod
    cumsum sort topk gather index_select masked_fill masked_fill_ chunk split unbind allclose equal eq ne
    lt le gt ge any all isnan isinf log1p log2 log10 exp2 reciprocal rsqrt floor ceil round sign amax amin
    logsumexp outer diag diagonal trace tril triu flip roll lerp erf abs_ neg_ sqrt_ sigmoid_ tanh_ relu_
    uniform_ normal_ copy_ new_zeros new_ones new_full new_tensor is_floating_point numpy cpu scatter scatter_
    scatter_add scatter_add_ unflatten type random_ bernoulli_ exponential_""".split()
)

TENSOR_ATTRIBUTES = frozenset(
    "grad data shape requires_grad is_leaf grad_fn dtype device ndim T mT output_nr".split()
)
TENSOR_SETTABLE = frozenset({"grad", "requires_grad", "data"})

TENSOR_REFUSED: dict[str, str] = {
    "storage": "raw storage is not available here",
    "untyped_storage": "raw storage is not available here",
    "tofile": "writing files is not allowed",
    "data_ptr": "memory addresses are not available here",
    "apply_": "running a function per element is not available here; use tensor operations",
    "map_": "running a function per element is not available here; use tensor operations",
    "cuda": "there is no GPU here; everything runs on the CPU",
    "share_memory_": "shared memory is not available here",
    "pin_memory": "pinned memory is not available here",
    "set_": "re-pointing a tensor's storage is not allowed",
    "resize_": "resizing in place is not allowed; use reshape or view",
    "storage_offset": "raw storage is not available here",
}

# --- plain Python objects ------------------------------------------------------------------------------

LIST_METHODS = frozenset("append extend pop insert index count reverse copy clear sort".split())
SET_METHODS = frozenset(
    """add update discard remove pop clear copy union intersection difference symmetric_difference issubset
    issuperset isdisjoint intersection_update difference_update symmetric_difference_update""".split()
)
TUPLE_METHODS = frozenset({"index", "count"})
DICT_METHODS = frozenset("keys values items get pop copy update setdefault clear".split())
COUNTER_METHODS = frozenset({"most_common"})  # collections.Counter, besides a dict's
GENERATOR_METHODS = frozenset({"manual_seed", "initial_seed", "seed"})  # torch.Generator(): never its state
STR_METHODS = frozenset(
    "upper lower strip lstrip rstrip split join startswith endswith title capitalize count find isdigit format".split()
)
STR_REFUSED: dict[str, str] = {
    "format_map": "str.format_map can read attributes from its arguments; use an f-string",
}
SIZE_METHODS = frozenset({"numel", "index", "count"})
RETURN_TYPE_ATTRIBUTES = frozenset({"values", "indices"})

OPTIMIZER_METHODS = frozenset({"step", "zero_grad"})
OPTIMIZER_ATTRIBUTES = frozenset({"param_groups"})  # handed out as read-only views (objects.ParamGroups)

# Module names people reach for: never inputs, always "no imports here".
MODULE_NAMES = frozenset(
    """os sys builtins operator inspect gc subprocess importlib pickle socket shutil pathlib io ctypes types
    functools itertools numpy np random time threading multiprocessing signal code codecs marshal matplotlib plt
    pyplot""".split()
)

GRAD_FN_ATTRIBUTES = frozenset({"name", "next_functions"})

# --- math ----------------------------------------------------------------------------------------------

MATH_FUNCTIONS = frozenset(
    """sqrt exp log log2 log10 log1p sin cos tan asin acos atan atan2 sinh cosh tanh floor ceil fabs pow
    isclose isnan isinf isfinite hypot degrees radians erf trunc copysign""".split()
)
MATH_VALUES: dict[str, float] = {"pi": math.pi, "e": math.e, "inf": math.inf, "nan": math.nan, "tau": math.tau}

# --- builtins ------------------------------------------------------------------------------------------

BUILTINS = frozenset(
    """range len sum min max abs round float int bool str list tuple dict enumerate zip print sorted
    reversed any all set isinstance iter next map filter divmod pow chr ord super type repr""".split()
)
# Exceptions a program may name, to catch (`except RuntimeError as e:`) or raise (`raise ValueError("...")`)
EXCEPTION_NAMES = frozenset(
    """Exception RuntimeError ValueError TypeError IndexError KeyError LookupError ZeroDivisionError
    ArithmeticError OverflowError AssertionError AttributeError NameError NotImplementedError StopIteration""".split())
# What `isinstance(x, T)` may name as T: these builtins (the real types behind them), and the TypeRefs the
# namespaces hand out (torch.Tensor, np.ndarray).
ISINSTANCE_BUILTINS: dict[str, type] = {"int": int, "float": float, "str": str, "bool": bool, "list": list,
                                        "tuple": tuple, "dict": dict, "set": set}
BUILTIN_REFUSED: dict[str, str] = {
    name: "it reaches Python's internals, which programs here cannot use"
    for name in """eval exec compile open getattr setattr delattr hasattr vars dir globals locals
    object input breakpoint memoryview bytearray bytes help exit quit classmethod staticmethod
    property id hash callable issubclass format __import__""".split()
}
BUILTIN_REFUSED["object"] = "`object` can only be named as a base class: class Foo(object):"
BUILTIN_REFUSED["staticmethod"] = "@staticmethod can only decorate a method in a class body"
BUILTIN_REFUSED["classmethod"] = "@classmethod can only decorate a method in a class body"
BUILTIN_REFUSED["format"] = "use an f-string like f'{loss:.4f}'"

# --- numpy (explorer/language/numpy_ns.py) -----------------------------------------------------------------
# A small part of numpy, each function behind a wrapper that checks its arguments and its result's size first.
# Arrays are real ndarrays of numbers (bool, int, uint, float): object, string, complex and structured arrays
# are refused wherever one could appear.

NUMPY_UNARY = frozenset(
    """sin cos tan arcsin arccos arctan sinh cosh tanh exp exp2 expm1 log log2 log10 log1p sqrt square abs
    absolute sign floor ceil trunc negative reciprocal isnan isinf isfinite""".split()
)
NUMPY_BINARY = frozenset("maximum minimum power add subtract multiply divide arctan2 fmod mod hypot".split())
NUMPY_REDUCTIONS = frozenset(
    "sum mean max min amax amin prod std var argmax argmin cumsum cumprod all any median count_nonzero".split()
)
NUMPY_OTHER = frozenset(
    """array asarray zeros ones full eye identity arange linspace zeros_like ones_like full_like meshgrid dot
    matmul outer where clip round around reshape transpose squeeze expand_dims ravel concatenate stack vstack
    hstack allclose isclose sort argsort unique shape""".split()
)
NUMPY_DTYPES = frozenset("float16 float32 float64 int8 int16 int32 int64 uint8 bool_".split())
NUMPY_VALUES: dict[str, object] = {"pi": math.pi, "e": math.e, "inf": math.inf, "nan": math.nan, "newaxis": None}
NUMPY_FUNCTIONS = NUMPY_UNARY | NUMPY_BINARY | NUMPY_REDUCTIONS | NUMPY_OTHER
NUMPY_RANDOM = frozenset("seed rand randn randint normal uniform random permutation shuffle choice".split())
NUMPY_LINALG = frozenset({"norm"})

_NP_FILES = "reading and writing files is not allowed"
_NP_MEMORY = "raw memory is not available here"
NUMPY_REFUSED: dict[str, str] = {
    **{name: _NP_FILES for name in "load save savez savez_compressed loadtxt savetxt genfromtxt fromfile tofile "
       "memmap fromregex DataSource".split()},
    **{name: _NP_MEMORY for name in "ctypeslib frombuffer ndarray_from_buffer lib core _core from_dlpack "
       "asarray_chkfinite".split()},
    "vectorize": "running a function per element is not available here; use array operations",
    "frompyfunc": "running a function per element is not available here; use array operations",
    "apply_along_axis": "running a function per element is not available here; use array operations",
    "empty": "uninitialised memory is not shown here; use np.zeros",
    "empty_like": "uninitialised memory is not shown here; use np.zeros_like",
    "object_": "arrays of Python objects are not available here",
    "set_printoptions": f"not allowed: {_STATE}",
    "seterr": f"not allowed: {_STATE}",
    "errstate": f"not allowed: {_STATE}",
    "ndarray": "np.ndarray names the type only in isinstance(x, np.ndarray); make arrays with np.array or np.zeros",
}
NUMPY_RANDOM_REFUSED: dict[str, str] = {
    "get_state": "the random state is the run's own; seed it with np.random.seed(n)",
    "set_state": "the random state is the run's own; seed it with np.random.seed(n)",
    "bit_generator": "the random state is the run's own; seed it with np.random.seed(n)",
    "default_rng": "np.random.default_rng is not available here; use np.random.seed(n) and np.random.rand(...)",
    "Generator": "use np.random.seed(n) and np.random.rand(...)",
    "RandomState": "use np.random.seed(n) and np.random.rand(...)",
}

NDARRAY_ATTRIBUTES = frozenset("shape dtype ndim size T".split())
NDARRAY_METHODS = frozenset(
    """reshape astype tolist sum mean max min copy flatten ravel item argmax argmin std var prod cumsum transpose
    squeeze dot clip round any all fill""".split()
)
NDARRAY_REFUSED: dict[str, str] = {
    "ctypes": _NP_MEMORY, "data": _NP_MEMORY, "base": _NP_MEMORY, "flags": _NP_MEMORY, "strides": _NP_MEMORY,
    "view": _NP_MEMORY, "tofile": _NP_FILES, "dump": _NP_FILES, "dumps": _NP_FILES, "tobytes": _NP_MEMORY,
    "resize": "resizing in place is not allowed; use reshape", "setflags": _NP_MEMORY,
}
NUMPY_SCALAR_ATTRIBUTES = frozenset({"dtype"})
NUMPY_SCALAR_METHODS = frozenset({"item", "tolist"})

# --- plotting (explorer/language/plotting.py) --------------------------------------------------------------
PLOTTING_MODULES = frozenset({"matplotlib", "mpl_toolkits"})
PLOTTING_NOTICE = "plotting is skipped here; the graph shows the computation"
