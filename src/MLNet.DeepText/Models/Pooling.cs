using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNet.DeepText.Models;

/// <summary>Masked pooling of [B, T, D] states with a [B, T] mask (true = real state) into [B, D].</summary>
internal sealed class Pooling : Module<Tensor, Tensor, Tensor>
{
    private readonly PoolingKind _kind;
    private readonly Linear? attentionScore;

    public Pooling(PoolingKind kind, int width) : base(nameof(Pooling))
    {
        if (!Enum.IsDefined(kind)) throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        _kind = kind;
        if (kind == PoolingKind.Attention) attentionScore = Linear(width, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor states, Tensor mask)
    {
        switch (_kind)
        {
            case PoolingKind.Mean:
                var weights = mask.unsqueeze(-1).to_type(states.dtype);
                return states.mul(weights).sum(1).div(weights.sum(1).clamp_min(1.0));
            case PoolingKind.ClassToken:
                return states.select(1, 0);
            case PoolingKind.LastToken:
                // The last real position, wherever the padding is: the largest (position + 1) under the mask.
                var last = arange(1, states.shape[1] + 1, device: states.device).mul(mask).argmax(1);          // [B]
                return states.gather(1, last.view(-1, 1, 1).expand(-1, 1, states.shape[2])).squeeze(1);
            default:
                var scores = attentionScore!.forward(states).squeeze(-1).masked_fill(mask.logical_not(), -1e9f);   // [B, T]
                return scores.softmax(-1).unsqueeze(1).matmul(states).squeeze(1);
        }
    }
}
