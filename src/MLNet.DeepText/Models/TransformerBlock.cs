using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNet.DeepText.Models;

/// <summary>
/// Pre-norm Transformer block: x + Attention(LayerNorm(x)), then x + FeedForward(LayerNorm(x)).
/// Every operation is per token except attention, so padding can only leak through the attention mask.
/// </summary>
internal sealed class TransformerBlock : Module<Tensor, Tensor?, Tensor>
{
    private readonly LayerNorm attentionNorm, feedForwardNorm;
    private readonly MultiHeadAttention attention;
    private readonly Sequential feedForward;
    private readonly FastDropout residualDropout;

    /// <param name="width">Model width D.</param>
    /// <param name="heads">Attention heads.</param>
    /// <param name="feedForwardSize">Hidden width of the feed-forward layer.</param>
    /// <param name="dropout">Dropout on both residual branches.</param>
    /// <param name="attentionDropout">Dropout on the attention weights.</param>
    /// <param name="hiddenDropout">
    /// Dropout on the feed-forward hidden layer. Off by default (as in BERT and GPT-2): on the CPU it cost a quarter of the
    /// training step (it is the widest activation) and the residual dropouts regularise the block already. The staircase
    /// paper puts its dropout here and on the attention weights instead, keeping the recurrent path free of it.
    /// </param>
    public TransformerBlock(int width, int heads, int feedForwardSize, double dropout, double attentionDropout, double hiddenDropout = 0)
        : base(nameof(TransformerBlock))
    {
        attentionNorm = LayerNorm(width);
        attention = new MultiHeadAttention(width, heads, attentionDropout);
        feedForwardNorm = LayerNorm(width);
        feedForward = hiddenDropout > 0
            ? Sequential(Linear(width, feedForwardSize), GELU(), new FastDropout(hiddenDropout), Linear(feedForwardSize, width))
            : Sequential(Linear(width, feedForwardSize), GELU(), Linear(feedForwardSize, width));
        residualDropout = new FastDropout(dropout);
        RegisterComponents();
    }

    /// <summary>
    /// Multiplies the weights (and biases) of the two layers that write into the residual stream — the attention's output
    /// projection and the feed-forward layer's second linear map — by <paramref name="factor"/> (GPT-2 and the staircase
    /// paper use 1/√(2L) so that L blocks do not swamp the token's own embedding at the start).
    /// </summary>
    public void ScaleResidualOutputs(double factor)
    {
        using var _ = no_grad();
        attention.ScaleOutput(factor);
        var last = (Linear)feedForward.children().Last();
        last.weight!.mul_(factor);
        last.bias?.mul_(factor);
    }

    /// <summary>Self-attention over <paramref name="x"/> [B, T, D] under <paramref name="mask"/>.</summary>
    public override Tensor forward(Tensor x, Tensor? mask) => forward(x, x, mask, null);

    /// <summary>
    /// The general form: queries from <paramref name="x"/>, keys/values from <paramref name="context"/>
    /// (normalised with the same norm), an optional additive score bias and optional relative-position keys.
    /// </summary>
    public Tensor forward(Tensor x, Tensor context, Tensor? mask, Tensor? scoreBias, RelativeKeys? relative = null)
    {
        // The block's temporaries (masks, scores, projections) are freed when it returns, not when the caller's
        // scope ends; what backpropagation needs, autograd keeps alive by itself.
        using var scope = NewDisposeScope();
        var normed = attentionNorm.forward(x);
        var normedContext = ReferenceEquals(context, x) ? normed : attentionNorm.forward(context);
        x = x.add(residualDropout.forward(attention.Attend(normed, normedContext, mask, scoreBias, relative)));
        return scope.MoveToOuter(x.add(residualDropout.forward(feedForward.forward(feedForwardNorm.forward(x)))));
    }
}

/// <summary>The feed-forward layer's size, shared by every encoder's blocks.</summary>
internal static class FeedForward
{
    /// <summary>The hidden width of a block's feed-forward layer: width × MLP ratio, rounded.</summary>
    public static int Size(int width, double mlpRatio) => Math.Max(1, (int)Math.Round(width * mlpRatio));
}
