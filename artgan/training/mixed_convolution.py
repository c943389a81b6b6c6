"""bf16 convolutions whose weight gradients are computed in fp32: ``precision: mixed``.

On CPUs with AVX-512-BF16 but no AMX, oneDNN's bf16 forward and input-gradient convolution
kernels run about twice as fast as fp32, but its bf16 weight-gradient kernel
(``jit_bf16:avx512_core_bf16 backward_weights``) is erratic: as fast as fp32 on one thread, 5-20x
slower when its threads share the cores with other work (benchmarks/README.md). Inside
``MixedConvolutions`` every 2-d convolution whose weight trains runs forward and input gradient
in bf16, as autocast does, and its weight gradient from the same bf16 values (upcast exactly) in
fp32. Everything else is left to bf16 autocast.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

aten = torch.ops.aten


BF16 = torch.bfloat16
CONV2D_ARGS = ("input", "weight", "bias", "stride", "padding", "dilation", "groups")
CONV_TRANSPOSE2D_ARGS = ("input", "weight", "bias", "stride", "padding", "output_padding", "groups", "dilation")
DEFAULTS = {"bias": None, "stride": 1, "padding": 0, "output_padding": 0, "dilation": 1, "groups": 1}


class _MixedConvolution(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias, geometry):
        """``geometry``: aten.convolution's (stride, padding, dilation, transposed, output_padding, groups)."""
        x16, weight16 = x.to(BF16), weight.to(BF16)
        ctx.save_for_backward(x16, weight16, x, weight)
        ctx.geometry = geometry
        return aten.convolution(x16, weight16, None if bias is None else bias.to(BF16), *geometry)

    @staticmethod
    def backward(ctx, grad):
        x16, weight16, x, weight = ctx.saved_tensors
        need_x, need_weight, need_bias = ctx.needs_input_grad[:3]
        grad_bias = grad.float().sum((0, 2, 3)) if need_bias else None
        if torch.is_grad_enabled():  # create_graph (R1, WGAN-GP): differentiable ops, as autocast's
            out = aten.convolution(x.to(BF16), weight.to(BF16), None, *ctx.geometry)
            wanted = [t for t, need in ((x, need_x), (weight, need_weight)) if need]
            found = iter(torch.autograd.grad(out, wanted, grad, create_graph=True))
            return next(found) if need_x else None, next(found) if need_weight else None, grad_bias, None
        grad_x = grad_weight = None
        if need_x:
            grad_x = aten.convolution_backward(grad.to(BF16), x16, weight16, None, *ctx.geometry,
                                               [True, False, False])[0].to(x.dtype)
        if need_weight:
            grad_weight = aten.convolution_backward(grad.float(), x16.float(), weight.float(), None, *ctx.geometry,
                                                    [False, True, False])[1].to(weight.dtype)
        return grad_x, grad_weight, grad_bias, None


class MixedConvolutions(TorchFunctionMode):
    """Routes ``F.conv2d`` / ``F.conv_transpose2d`` with a trainable weight through ``_MixedConvolution``."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if (func is F.conv2d or func is F.conv_transpose2d) and torch.is_grad_enabled():
            names = CONV2D_ARGS if func is F.conv2d else CONV_TRANSPOSE2D_ARGS
            a = DEFAULTS | dict(zip(names, args)) | kwargs
            if a["weight"].requires_grad and a["input"].dim() == 4 and not isinstance(a["padding"], str):
                geometry = (_pair(a["stride"]), _pair(a["padding"]), _pair(a["dilation"]), func is F.conv_transpose2d,
                            _pair(a["output_padding"]), a["groups"])
                return _MixedConvolution.apply(a["input"], a["weight"], a["bias"], geometry)
        return func(*args, **kwargs)


def _pair(value) -> list[int]:
    return [value, value] if isinstance(value, int) else list(value)
