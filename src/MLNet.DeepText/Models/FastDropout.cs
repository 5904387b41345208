using MLNet.DeepText.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNet.DeepText.Models;

/// <summary>
/// Inverted dropout with a mask drawn from a uniform sample. Same semantics as <c>nn.Dropout</c>, drawing from the
/// training run's generator (<see cref="TorchRandom"/>), but 2.5× faster on the CPU in our measurements (libtorch's Bernoulli sampling
/// costs ~15 ns per element), which matters because dropout is the most expensive element-wise op of a training step.
/// </summary>
internal sealed class FastDropout : Module<Tensor, Tensor>
{
    private readonly double _p;

    public FastDropout(double p) : base(nameof(FastDropout))
    {
        if (p < 0 || p >= 1) throw new ArgumentOutOfRangeException(nameof(p), p, "Dropout probability must be in [0, 1).");
        _p = p;
    }

    // When inactive, an alias (a new handle on the same data): containers such as Sequential dispose intermediates.
    public override Tensor forward(Tensor x) =>
        !training || _p == 0 ? x.alias() : x.mul(TorchRandom.Uniform(x.shape, x.dtype, x.device).ge_(_p)).mul_(1.0 / (1.0 - _p));
}
