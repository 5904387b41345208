using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.DeepText.Training;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter): Adam with decoupled weight decay, per-parameter decay on or off.
/// Our own because TorchSharp 0.107's <c>optim.AdamW</c> leaves per-step native memory to .NET finalizers:
/// with a 25k-token embedding table the process grew by ~1.4 GB before a garbage collection released it, where
/// this implementation (same math, in-place updates, temporaries in the caller's dispose scope) stays flat.
/// </summary>
internal sealed class AdamW : IDisposable
{
    private readonly (Parameter Parameter, Tensor Mean, Tensor Variance, bool Decay, double Scale)[] _state;
    private readonly double _beta1, _beta2, _epsilon, _weightDecay;
    private int _step;

    /// <summary>Learning rate of the next <see cref="Step"/>.</summary>
    public double LearningRate { get; set; }

    /// <summary>Optimizes <paramref name="parameters"/>, each with or without weight decay.</summary>
    public AdamW(IEnumerable<(Parameter Parameter, bool Decay)> parameters, double learningRate, double weightDecay,
        double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
        : this(parameters.Select(p => (p.Parameter, p.Decay, 1.0)), learningRate, weightDecay, beta1, beta2, epsilon) { }

    /// <summary>Optimizes <paramref name="parameters"/>, each with or without weight decay and with its own factor on the learning rate.</summary>
    public AdamW(IEnumerable<(Parameter Parameter, bool Decay, double Scale)> parameters, double learningRate, double weightDecay,
        double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        LearningRate = learningRate;
        _weightDecay = weightDecay;
        _beta1 = beta1;
        _beta2 = beta2;
        _epsilon = epsilon;
        using var _ = no_grad();
        _state = parameters.Select(p => (p.Parameter,
            zeros_like(p.Parameter).DetachFromDisposeScope(), zeros_like(p.Parameter).DetachFromDisposeScope(), p.Decay, p.Scale)).ToArray();
    }

    /// <summary>Sets every gradient to zero.</summary>
    public void ZeroGrad()
    {
        foreach (var (p, _, _, _, _) in _state)
        {
            using var grad = p.grad;
            grad?.zero_();
        }
    }

    /// <summary>One update from the current gradients (call inside a dispose scope).</summary>
    public void Step()
    {
        _step++;
        double biasCorrection1 = 1 - Math.Pow(_beta1, _step);
        double biasCorrection2 = 1 - Math.Pow(_beta2, _step);
        using var _ = no_grad();
        foreach (var (p, mean, variance, decay, scale) in _state)
        {
            using var grad = p.grad;
            if (grad is null) continue;
            double learningRate = LearningRate * scale, stepSize = learningRate / biasCorrection1;
            if (decay && _weightDecay > 0) p.mul_(1 - learningRate * _weightDecay);
            mean.mul_(_beta1).add_(grad, alpha: 1 - _beta1);
            variance.mul_(_beta2).addcmul_(grad, grad, value: 1 - _beta2);
            using var denominator = variance.sqrt().div_(Math.Sqrt(biasCorrection2)).add_(_epsilon);
            p.addcdiv_(mean, denominator, value: -stepSize);
        }
    }

    public void Dispose()
    {
        foreach (var (_, mean, variance, _, _) in _state)
        {
            mean.Dispose();
            variance.Dispose();
        }
    }
}
