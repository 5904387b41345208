using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNet.DeepText.Models;

/// <summary>Token embedding plus a learned absolute position embedding, then dropout: [B, T] ids → [B, T, D].</summary>
internal sealed class TokenEmbedding : Module<Tensor, Tensor>
{
    private readonly Embedding tokens, positions;
    private readonly FastDropout dropout;

    /// <summary>The token table, [vocabulary, width].</summary>
    public Parameter Tokens => tokens.weight!;

    /// <summary>Longest sequence the position table covers.</summary>
    public int MaxPositions { get; }

    public TokenEmbedding(int vocabularySize, int width, int maxPositions, double dropout) : base(nameof(TokenEmbedding))
    {
        MaxPositions = maxPositions;
        tokens = Embedding(vocabularySize, width, padding_idx: 0);
        positions = Embedding(maxPositions, width);
        this.dropout = new FastDropout(dropout);
        RegisterComponents();
        using var _ = no_grad();
        init.normal_(tokens.weight!, 0, 0.02);
        tokens.weight![0].zero_();
        init.normal_(positions.weight!, 0, 0.02);
    }

    public override Tensor forward(Tensor ids)
    {
        long length = ids.shape[1];
        if (length > MaxPositions)
            throw new ArgumentException($"Sequence length {length} exceeds the model's {MaxPositions} positions.");
        var positionIds = arange(length, dtype: ScalarType.Int64, device: ids.device).unsqueeze(0);
        return dropout.forward(tokens.forward(ids).add(positions.forward(positionIds)));
    }
}
