using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNet.DeepText.Models;

/// <summary>
/// Multi-head scaled dot-product attention. Queries come from one sequence and keys/values from another
/// (the same one for self-attention). A boolean mask (<see cref="AttentionMasks"/>) removes query–key pairs,
/// and an optional additive bias (e.g. a relative-position bias, [heads or 1, queries, keys]) is added to the scores.
/// </summary>
internal sealed class MultiHeadAttention : Module<Tensor, Tensor, Tensor?, Tensor>
{
    // A large finite value rather than -inf: a fully masked row then gives uniform weights instead of NaN,
    // and a masked key still gets exactly zero weight whenever one key is allowed.
    private const float MaskedScore = -1e9f;

    private readonly int _heads;
    private readonly int _headSize;
    private readonly Linear query, key, value, output;
    private readonly double _attentionDropout;

    /// <param name="width">Model width D.</param>
    /// <param name="heads">Number of heads; must divide <paramref name="width"/>.</param>
    /// <param name="attentionDropout">Dropout on the attention weights while training.</param>
    /// <param name="projectionBias">Whether the query, key and value projections have a bias (the output projection always has one).</param>
    public MultiHeadAttention(int width, int heads, double attentionDropout = 0.0, bool projectionBias = true) : base(nameof(MultiHeadAttention))
    {
        if (width % heads != 0)
            throw new ArgumentException($"The width ({width}) must be divisible by the number of heads ({heads}).");
        _heads = heads;
        _headSize = width / heads;
        query = Linear(width, width, hasBias: projectionBias);
        key = Linear(width, width, hasBias: projectionBias);
        value = Linear(width, width, hasBias: projectionBias);
        output = Linear(width, width);
        _attentionDropout = attentionDropout;
        RegisterComponents();
    }

    /// <summary>Self- or cross-attention: [B, Tq, D] queries over [B, Tk, D] keys/values.</summary>
    public override Tensor forward(Tensor queries, Tensor keysAndValues, Tensor? mask) => Attend(queries, keysAndValues, mask, null);

    /// <summary>
    /// Like <see cref="forward"/>, with an additive score bias and, optionally, content-dependent relative positions:
    /// each score gains q·p_δ / √d_head, where p_δ is the table's column for the pair's distance index.
    /// </summary>
    public Tensor Attend(Tensor queries, Tensor keysAndValues, Tensor? mask, Tensor? scoreBias, RelativeKeys? relative = null)
    {
        long b = queries.shape[0], tq = queries.shape[1], tk = keysAndValues.shape[1];
        ModelTrace.Attention(b, _heads, tq, tk);
        var q = SplitHeads(query.forward(queries), b, tq);
        var k = SplitHeads(key.forward(keysAndValues), b, tk);
        var v = SplitHeads(value.forward(keysAndValues), b, tk);

        // One additive float mask for libtorch's fused kernel: 0 where attending is allowed, MaskedScore elsewhere, plus the bias.
        Tensor? additive = mask is null ? null : zeros(mask.shape, dtype: q.dtype, device: q.device).masked_fill_(mask.logical_not(), MaskedScore);
        if (scoreBias is not null) additive = additive is null ? scoreBias : additive.add(scoreBias);
        if (relative is not null)
        {
            var index = relative.DistanceIndex.unsqueeze(0).unsqueeze(0).expand(b, _heads, tq, tk);
            var positional = q.matmul(relative.Table).gather(3, index).div(Math.Sqrt(_headSize));   // [B, H, Tq, Tk]
            additive = additive is null ? positional : additive.add(positional);
        }
        var mixed = nn.functional.scaled_dot_product_attention(q, k, v, additive, training ? _attentionDropout : 0.0)
            .transpose(1, 2).reshape(b, tq, _heads * _headSize);
        return output.forward(mixed);
    }

    /// <summary>Multiplies the output projection's weight by <paramref name="factor"/> (see <see cref="TransformerBlock.ScaleResidualOutputs"/>).</summary>
    public void ScaleOutput(double factor)
    {
        using var _ = no_grad();
        output.weight!.mul_(factor);
    }

    private Tensor SplitHeads(Tensor x, long batch, long length) => x.view(batch, length, _heads, _headSize).transpose(1, 2);
}

/// <summary>
/// Content-dependent relative positions (as in Transformer-XL and the staircase paper): a learned table of vectors,
/// one column per query–key distance, shared by heads, and the distance index of every query–key pair.
/// </summary>
/// <param name="Table">[head size, number of distances].</param>
/// <param name="DistanceIndex">[queries, keys] column of <paramref name="Table"/> for each pair (Int64).</param>
internal sealed record RelativeKeys(Tensor Table, Tensor DistanceIndex);
