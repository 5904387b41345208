using MLNet.DeepText.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNet.DeepText.Models;

/// <summary>
/// Masked-token pretraining (BERT's objective) of a compact transformer encoder on the task's own training texts,
/// before it learns the labels ("self-pretraining": Krishna et al. 2023, "Downstream datasets make surprisingly good
/// pretraining corpora"). No outside data or weights are involved.
/// <list type="number">
/// <item>A random <see cref="MaskFraction"/> of each chunk's real tokens is replaced by the unknown id.</item>
/// <item>The encoder maps the chunk to its position states (before pooling).</item>
/// <item>Each masked token is predicted from the state of a position whose window covers it: the convolutional
/// tokenizer (kernel k, padding p, then max-pooling 2/2) gives position j the tokens 2j−1−p … 2j−p+k−1, so token i is
/// read at j = ⌊(i+p+1)/2⌋, from slot (i+p+1) mod 2; a patch tokenizer of k tokens reads token i at j = ⌊i/k⌋, slot
/// i mod k. One linear map per slot takes the state to the word-vector space; the output layer is the encoder's own
/// word-embedding table (tied weights) plus a bias per word.</item>
/// </list>
/// The objective holds only the slot maps and the bias; the encoder is passed in, so it stays owned by its model.
/// </summary>
internal sealed class MaskedTokenObjective : nn.Module
{
    /// <summary>Share of real tokens masked in each chunk (BERT's 15%).</summary>
    public const double MaskFraction = 0.15;

    private readonly int _slots, _offset, _embeddingSize;
    private readonly Linear slotMaps;
    private readonly Parameter bias;

    public MaskedTokenObjective(CompactTransformerSpec encoder) : base(nameof(MaskedTokenObjective))
    {
        if (encoder.ClassToken)
            throw new NotSupportedException("Masked-token pretraining needs an encoder without a class token.");
        (_slots, _offset) = encoder.Tokenizer switch
        {
            CompactTokenizerKind.Patch => (encoder.KernelSize, 0),
            _ when encoder.ConvolutionStride == 1 => (2, encoder.ConvolutionPadding + 1),
            _ => throw new NotSupportedException($"Masked-token pretraining supports convolution kernels up to 5 (stride 1); this encoder's kernel is {encoder.KernelSize}."),
        };
        _embeddingSize = encoder.WordVectorSize;
        slotMaps = Linear(encoder.Width, _slots * encoder.WordVectorSize);
        bias = Parameter(zeros(encoder.VocabularySize));
        RegisterComponents();
    }

    /// <summary>
    /// Mean cross-entropy of the masked tokens of [n, C] chunks <paramref name="ids"/> (mask: true = real token), or
    /// null when the draw masked no token.
    /// </summary>
    public Tensor? Loss(CompactTransformer encoder, Tensor ids, Tensor paddingMask)
    {
        var masked = TorchRandom.Uniform(ids.shape, ScalarType.Float32, ids.device).lt(MaskFraction).logical_and(paddingMask);
        var where = masked.nonzero();                                                  // [M, 2]: (chunk, token)
        if (where.shape[0] == 0) return null;
        var (states, _) = encoder.call(ids.masked_fill(masked, ReservedTokenIds.Unknown), paddingMask);   // [n, P, D]
        var chunk = where.select(1, 0);
        var token = where.select(1, 1);
        var position = token.add(_offset).div(_slots, rounding_mode: RoundingMode.floor);
        var slot = token.add(_offset).remainder(_slots);
        var read = states.flatten(0, 1).index_select(0, chunk.mul(states.shape[1]).add(position));               // [M, D]
        var vectors = slotMaps.forward(read).view(-1, _slots, _embeddingSize)
            .gather(1, slot.view(-1, 1, 1).expand(-1, 1, _embeddingSize)).squeeze(1);                          // [M, e]
        var logits = vectors.matmul(encoder.WordVectors.t()).add(bias);                                     // [M, V]
        return functional.cross_entropy(logits, ids.masked_select(masked));
    }
}
