"""precision mixed: bf16 forward and input gradients as autocast's, weight gradients in fp32."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from artgan.training.precision import Precision

BF16 = torch.bfloat16


def conv_case(transposed: bool):
    torch.manual_seed(0)
    x = torch.randn(4, 8, 8, 8).contiguous(memory_format=torch.channels_last).requires_grad_()
    shape = (8, 6, 4, 4) if transposed else (6, 8, 4, 4)  # (in, out) transposed, (out, in) plain
    weight = torch.randn(shape).contiguous(memory_format=torch.channels_last).requires_grad_()  # as the trainer's
    bias = torch.randn(6, requires_grad=True)
    conv = F.conv_transpose2d if transposed else F.conv2d
    return x, weight, bias, lambda: conv(x, weight, bias, stride=2, padding=1)


def gradients(precision: str, x, weight, bias, forward):
    for t in (x, weight, bias):
        t.grad = None
    with Precision(precision, torch.device("cpu")).autocast():
        y = forward()
    (y.float() ** 2).mean().backward()
    return y.detach(), x.grad.clone(), weight.grad.clone(), bias.grad.clone()


@pytest.mark.parametrize("transposed", [False, True])
def test_mixed_matches_autocast_forward_and_input_gradient_and_takes_weight_gradients_in_fp32(transposed):
    x, weight, bias, forward = conv_case(transposed)
    y16, dx16, dw16, db16 = gradients("bf16", x, weight, bias, forward)
    y, dx, dw, db = gradients("mixed", x, weight, bias, forward)
    assert y.dtype == BF16 and torch.equal(y, y16)
    assert dx.dtype == torch.float32 and torch.equal(dx, dx16)
    assert dw.dtype == torch.float32 and dw.stride() == weight.stride()
    # The same products autocast's weight gradient takes (bf16 inputs and output gradient, upcast
    # exactly), summed in fp32 and never rounded to bf16 on the way out.
    x32, w32 = x.detach().to(BF16).float().requires_grad_(), weight.detach().to(BF16).float().requires_grad_()
    b32 = bias.detach().to(BF16).float().requires_grad_()
    conv = F.conv_transpose2d if transposed else F.conv2d
    out = conv(x32, w32, b32, stride=2, padding=1)
    grad_out = (2 * y.float() / y.numel()).to(BF16).float()  # d mean(y^2) / dy as bf16, as backward sees it
    out.backward(grad_out)
    assert torch.allclose(dw, w32.grad, rtol=1e-4, atol=1e-5)
    assert (dw16 - w32.grad).abs().max() > 10 * (dw - w32.grad).abs().max()  # bf16 autocast rounds it
    assert torch.allclose(db, b32.grad, rtol=1e-4, atol=1e-5)


def test_mixed_supports_double_backward_for_gradient_penalties():
    torch.manual_seed(0)
    x = torch.randn(4, 3, 8, 8, requires_grad=True)
    weight = torch.randn(5, 3, 4, 4, requires_grad=True)
    norms = {}
    for precision in ("bf16", "mixed"):
        weight.grad = None
        with Precision(precision, torch.device("cpu")).autocast():
            y = F.conv2d(x, weight, stride=2, padding=1)
        (grad,) = torch.autograd.grad(y.float().square().sum(), x, create_graph=True)
        grad.square().sum().backward()  # what R1 and WGAN-GP do
        norms[precision] = weight.grad.norm()
    assert norms["mixed"] > 0 and torch.allclose(norms["mixed"], norms["bf16"], rtol=1e-2)


def test_frozen_weights_and_no_grad_stay_on_plain_autocast():
    x, weight, bias, forward = conv_case(False)
    weight.requires_grad_(False)  # D in G's step: only its input gradient is needed
    with Precision("mixed", torch.device("cpu")).autocast():
        assert forward().grad_fn.name() == "ConvolutionBackward0"
        with torch.no_grad():
            assert forward().dtype == BF16
    weight.requires_grad_(True)
    with Precision("mixed", torch.device("cpu")).autocast():
        assert "Mixed" in forward().grad_fn.name()
