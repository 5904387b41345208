using MLNet.DeepText.Models;
using static TorchSharp.torch;

namespace MLNet.DeepText.Pretrained.Models;

/// <summary>Architecture of <see cref="ChunkedSentenceEncoder"/>.</summary>
/// <param name="VocabularySize">Rows of the token table (the whole WordPiece vocabulary with the reserved ids).</param>
/// <param name="Config">The BERT encoder's sizes.</param>
/// <param name="ChunkTokens">Text tokens per chunk ([CLS] and [SEP] come on top).</param>
/// <param name="MaxChunks">The most chunks read from one text; the rest of a longer text is ignored.</param>
internal sealed record ChunkedSentenceEncoderSpec(int VocabularySize, BertConfig Config, int ChunkTokens, int MaxChunks) : EncoderSpec(VocabularySize)
{
    public override Encoder Build() => new ChunkedSentenceEncoder(this);
    public override int StateWidth => Config.HiddenSize;
}

/// <summary>
/// Sentence embeddings of texts longer than the encoder reads at once: the text is cut into consecutive chunks of
/// <c>ChunkTokens</c> tokens, each chunk is embedded as sentence-transformers embeds a sentence ([CLS] chunk [SEP] →
/// mean of the token states → L2-normalised), and the states returned are the chunks' embeddings, one per chunk. The
/// classifier's mean pooling and normalisation then give the average of the chunk embeddings, normalised: a text of
/// one chunk gets exactly its sentence embedding. Frozen (features only).
/// </summary>
internal sealed class ChunkedSentenceEncoder : Encoder
{
    /// <summary>Chunks encoded per call, so that memory does not grow with the text.</summary>
    private const int ChunkGroup = 32;

    private readonly PretrainedTransformer encoder;
    private readonly Pooling chunkPooling;   // mean over [CLS] … [SEP], as sentence-transformers
    private readonly ChunkedSentenceEncoderSpec _spec;

    public ChunkedSentenceEncoder(ChunkedSentenceEncoderSpec spec) : base(nameof(ChunkedSentenceEncoder))
    {
        _spec = spec;
        encoder = new PretrainedTransformer(new PretrainedTransformerSpec(spec.VocabularySize, spec.Config, Dropout: 0));
        chunkPooling = new Pooling(PoolingKind.Mean, spec.StateWidth);
        RegisterComponents();
    }

    /// <summary>The BERT encoder every chunk goes through.</summary>
    public BertEncoder Bert => encoder.Bert;

    public override (Tensor States, Tensor Mask) forward(Tensor ids, Tensor paddingMask)
    {
        // [B, T] right-padded → [B·K, C] chunks; a chunk with no real token is skipped.
        long batch = ids.shape[0], size = Math.Min(_spec.ChunkTokens, Math.Max(1, ids.shape[1]));
        long count = (ids.shape[1] + size - 1) / size, padded = count * size;
        if (padded > ids.shape[1])
        {
            ids = nn.functional.pad(ids, [0, padded - ids.shape[1]]);
            paddingMask = nn.functional.pad(paddingMask, [0, padded - paddingMask.shape[1]]);
        }
        var chunks = ids.reshape(batch * count, size);
        var chunkMask = paddingMask.reshape(batch * count, size);
        var real = chunkMask.any(-1);                                                   // [B·K]
        var rows = real.nonzero().squeeze(-1);
        var vectors = zeros(batch * count, _spec.StateWidth, device: ids.device);
        for (long start = 0; start < rows.shape[0]; start += ChunkGroup)
        {
            using var scope = NewDisposeScope();
            var group = rows.narrow(0, start, Math.Min(ChunkGroup, rows.shape[0] - start));
            var (states, mask) = encoder.call(chunks.index_select(0, group), chunkMask.index_select(0, group));
            vectors.index_copy_(0, group, nn.functional.normalize(chunkPooling.call(states, mask), dim: 1));
        }
        return (vectors.view(batch, count, -1), real.view(batch, count));
    }
}
