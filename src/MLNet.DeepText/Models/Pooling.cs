using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNet.DeepText.Models;

/// <summary>How a sequence of token states becomes one vector.</summary>
public enum PoolingKind
{
    /// <summary>Average of the real tokens' states.</summary>
    Mean,
    /// <summary>The first token's state.</summary>
    FirstToken,
    /// <summary>The last real token's state (the natural readout of a causal model).</summary>
    LastToken,
    /// <summary>Sequence pooling (Hassani et al.): a learned softmax weighting over the real tokens.</summary>
    Sequence,
}

/// <summary>Masked pooling of [B, T, D] states with a [B, T] padding mask (true = real token) into [B, D].</summary>
public sealed class Pooling : Module<Tensor, Tensor, Tensor>
{
    private readonly PoolingKind _kind;
    private readonly Linear? attentionScore;

    public Pooling(PoolingKind kind, int width) : base(nameof(Pooling))
    {
        _kind = kind;
        if (kind == PoolingKind.Sequence) attentionScore = Linear(width, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor states, Tensor paddingMask)
    {
        switch (_kind)
        {
            case PoolingKind.Mean:
                var weights = paddingMask.unsqueeze(-1).to_type(states.dtype);
                return states.mul(weights).sum(1).div(weights.sum(1).clamp_min(1.0));
            case PoolingKind.FirstToken:
                return states.select(1, 0);
            case PoolingKind.LastToken:
                var last = paddingMask.to_type(ScalarType.Int64).sum(1).sub(1).clamp_min(0);      // [B]
                var index = last.view(-1, 1, 1).expand(-1, 1, states.shape[2]);
                return states.gather(1, index).squeeze(1);
            case PoolingKind.Sequence:
                var scores = attentionScore!.forward(states).squeeze(-1)                        // [B, T]
                    .masked_fill(paddingMask.logical_not(), -1e9f);
                return scores.softmax(-1).unsqueeze(1).matmul(states).squeeze(1);
            default:
                throw new ArgumentOutOfRangeException(nameof(_kind), _kind, null);
        }
    }
}
