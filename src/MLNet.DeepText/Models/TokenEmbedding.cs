using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNet.DeepText.Models;

/// <summary>
/// Token ids [B, T] → vectors [B, T, width] from a word-vector table. With pretrained word vectors of another size
/// (a word vector size &gt; 0 and ≠ width) the table has their size and a learned linear map (no bias)
/// takes them to the width.
/// </summary>
internal sealed class WordEmbedding : Module<Tensor, Tensor>
{
    private readonly Embedding table;
    private readonly Linear? projection;

    public WordEmbedding(int vocabularySize, int width, double initStd, int wordVectorSize = 0, bool freeze = false) : base(nameof(WordEmbedding))
    {
        int size = wordVectorSize > 0 ? wordVectorSize : width;
        table = Embedding(vocabularySize, size, padding_idx: ReservedTokenIds.Pad);
        if (size != width) projection = Linear(size, width, hasBias: false);
        RegisterComponents();
        using (no_grad())
        {
            init.normal_(table.weight!, 0, initStd);
            table.weight![ReservedTokenIds.Pad].zero_();
        }
        if (freeze) table.weight!.requires_grad = false;
    }

    /// <summary>The table, [vocabulary, word vector size].</summary>
    public Parameter Vectors => table.weight!;

    public override Tensor forward(Tensor ids) => projection is null ? table.forward(ids) : projection.forward(table.forward(ids));
}

/// <summary>Token embedding plus a learned absolute position embedding, then dropout: [B, T] ids → [B, T, D].</summary>
internal sealed class TokenEmbedding : Module<Tensor, Tensor>
{
    private readonly WordEmbedding tokens;
    private readonly Embedding positions;
    private readonly FastDropout dropout;

    /// <summary>Longest sequence the position table covers.</summary>
    public int MaxPositions { get; }

    public TokenEmbedding(int vocabularySize, int width, int maxPositions, double dropout, int wordVectorSize = 0, bool freezeWordVectors = false)
        : base(nameof(TokenEmbedding))
    {
        MaxPositions = maxPositions;
        tokens = new WordEmbedding(vocabularySize, width, initStd: 0.02, wordVectorSize, freezeWordVectors);
        positions = Embedding(maxPositions, width);
        this.dropout = new FastDropout(dropout);
        RegisterComponents();
        using var _ = no_grad();
        init.normal_(positions.weight!, 0, 0.02);
    }

    /// <summary>The word-vector table, [vocabulary, word vector size].</summary>
    public Parameter WordVectors => tokens.Vectors;

    public override Tensor forward(Tensor ids)
    {
        long length = ids.shape[1];
        if (length > MaxPositions)
            throw new ArgumentException($"Sequence length {length} exceeds the model's {MaxPositions} positions.");
        var positionIds = arange(length, dtype: ScalarType.Int64, device: ids.device).unsqueeze(0);
        return dropout.forward(tokens.forward(ids).add(positions.forward(positionIds)));
    }
}
