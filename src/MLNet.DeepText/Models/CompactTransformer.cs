using MLNet.DeepText.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNet.DeepText.Models;

/// <summary>Architecture of <see cref="CompactTransformer"/>.</summary>
internal sealed record CompactTransformerSpec(
    int VocabularySize,
    int MaxTokens,
    int WordVectorSize = 128,
    int Width = 128,
    int NumberOfLayers = 2,
    int NumberOfHeads = 2,
    double MlpRatio = 1.0,
    CompactTokenizerKind Tokenizer = CompactTokenizerKind.Convolution,
    int KernelSize = 2,
    bool ClassToken = false,
    PositionalEncodingKind PositionalEncoding = PositionalEncodingKind.Sinusoidal,
    double WordVectorDropout = 0.1,
    double Dropout = 0.1,
    double AttentionDropout = 0.1,
    double StochasticDepth = 0.1,
    bool FreezeWordVectors = false) : EncoderSpec(VocabularySize)
{
    public override Encoder Build() => new CompactTransformer(this);
    public override int StateWidth => Width;
    public override bool HasClassToken => ClassToken;

    /// <summary>Tokens the encoder sees for an input of <paramref name="length"/> word vectors (class token excluded).</summary>
    public int TokensAfterTokenizer(int length) => Tokenizer == CompactTokenizerKind.Convolution
        ? ConvolutionOutput(length, KernelSize, ConvolutionStride, ConvolutionPadding) / 2 + 1              // max-pool 2/2/1: (L + 2 − 2)/2 + 1
        : (length + KernelSize - 1) / KernelSize;                                                            // patches (last one zero-padded)

    internal int ConvolutionStride => Math.Max(1, KernelSize / 2 - 1);
    internal int ConvolutionPadding => Math.Max(1, KernelSize / 2);
    internal static int ConvolutionOutput(int length, int kernel, int stride, int padding) => (length + 2 * padding - kernel) / stride + 1;
}

/// <summary>
/// Compact Convolutional Transformer for text (Hassani et al., "Escaping the Big Data Paradigm with Compact
/// Transformers", 2021) and its CVT / ViT-Lite relatives.
/// <list type="number">
/// <item>Word embeddings E ∈ ℝ^{n×e} (optionally pretrained); padded positions are zeroed.</item>
/// <item>A tokenizer maps them to n' tokens of width d: a convolution with ReLU and max-pooling (CCT) or
/// non-overlapping patches (CVT, ViT-Lite). The padding mask goes through the same convolution and pooling, so
/// an output token is real exactly when its receptive field holds a real word.</item>
/// <item>Positional encoding (sinusoidal on real tokens, learned, or none); ViT-Lite prepends a class token.</item>
/// <item>L encoder blocks of the official code: x ← x + DropPath(MHA(LN(x))); x ← LN(x); x ← x + DropPath(MLP(x)),
/// with attention dropout and stochastic depth rising linearly from 0 to its maximum over the blocks.</item>
/// <item>A final LayerNorm. The classifier then reads the class token or pools the real tokens (the paper's sequence
/// pooling is <see cref="PoolingKind.Attention"/>).</item>
/// </list>
/// </summary>
internal sealed class CompactTransformer : Encoder
{
    private readonly CompactTransformerSpec _spec;
    private readonly Embedding embedding;
    private readonly FastDropout embeddingDropout;
    private readonly Conv1d tokenizer;
    private readonly Parameter? positions, classToken;
    private readonly ModuleList<CompactBlock> blocks;
    private readonly LayerNorm finalNorm;

    public CompactTransformer(CompactTransformerSpec spec) : base(nameof(CompactTransformer))
    {
        _spec = spec;
        embedding = Embedding(spec.VocabularySize, spec.WordVectorSize, padding_idx: ReservedTokenIds.Pad);
        embeddingDropout = new FastDropout(spec.WordVectorDropout);
        tokenizer = spec.Tokenizer == CompactTokenizerKind.Convolution
            ? Conv1d(spec.WordVectorSize, spec.Width, spec.KernelSize, stride: spec.ConvolutionStride, padding: spec.ConvolutionPadding, bias: false)
            : Conv1d(spec.WordVectorSize, spec.Width, spec.KernelSize, stride: spec.KernelSize, bias: false);
        int tokens = spec.TokensAfterTokenizer(spec.MaxTokens) + (spec.ClassToken ? 1 : 0);
        if (spec.PositionalEncoding == PositionalEncodingKind.Learnable)
            positions = Parameter(init.trunc_normal_(empty(1, tokens, spec.Width), std: 0.2));
        if (spec.ClassToken)
            classToken = Parameter(zeros(1, 1, spec.Width));
        int mlpSize = FeedForward.Size(spec.Width, spec.MlpRatio);
        blocks = new ModuleList<CompactBlock>(Enumerable.Range(0, spec.NumberOfLayers)
            .Select(i => new CompactBlock(spec.Width, spec.NumberOfHeads, mlpSize, spec.Dropout, spec.AttentionDropout,
                dropPath: spec.NumberOfLayers == 1 ? 0 : spec.StochasticDepth * i / (spec.NumberOfLayers - 1)))
            .ToArray());
        finalNorm = LayerNorm(spec.Width);
        RegisterComponents();
        Initialize();
        if (spec.FreezeWordVectors) embedding.weight!.requires_grad = false;
    }

    public override Parameter WordVectors => embedding.weight!;

    /// <summary>The encoder's states after the final norm, [B, n', d] (the class token first, if any), and which of them are real.</summary>
    public override (Tensor States, Tensor Mask) forward(Tensor ids, Tensor paddingMask)
    {
        // 1. Word vectors, with padded positions zeroed so that they contribute exactly what the convolution's own zero padding would.
        var words = embeddingDropout.forward(embedding.forward(ids)).mul(paddingMask.unsqueeze(-1));   // [B, n, e]
        var (x, mask) = Tokenize(words, paddingMask);                                                  // [B, n', d], [B, n']

        // 2. Positions, then the class token (ViT-Lite).
        if (classToken is not null)
        {
            x = cat([classToken.expand(x.shape[0], 1, -1), x], 1);
            mask = cat([ones(x.shape[0], 1, dtype: ScalarType.Bool, device: mask.device), mask], 1);
        }
        x = _spec.PositionalEncoding switch
        {
            PositionalEncodingKind.Sinusoidal => x.add(Sinusoid(x.shape[1], _spec.Width, x.device).mul(mask.unsqueeze(-1))),
            PositionalEncodingKind.Learnable => x.add(LearnedPositions(x.shape[1])),
            _ => x,
        };

        // 3. Encoder blocks under the padding mask, final norm (the readout is the classifier's).
        var attentionMask = AttentionMasks.KeyPadding(mask);
        foreach (var block in blocks) x = block.forward(x, attentionMask);
        return (finalNorm.forward(x), mask);
    }

    /// <summary>The tokenizer on word vectors [B, n, e] and the padding mask carried through it: an output is real when any input it sees is.</summary>
    private (Tensor Tokens, Tensor Mask) Tokenize(Tensor words, Tensor paddingMask)
    {
        var x = words.transpose(1, 2);                                     // [B, e, n]
        var m = paddingMask.unsqueeze(1).to_type(words.dtype);             // [B, 1, n]
        var window = ones(1, 1, _spec.KernelSize, dtype: words.dtype, device: words.device);
        if (_spec.Tokenizer == CompactTokenizerKind.Convolution)
        {
            int stride = _spec.ConvolutionStride, padding = _spec.ConvolutionPadding;
            var convolved = functional.relu(tokenizer.forward(x));                                              // [B, d, Lc]
            // An output is real when its window holds a real word and it exists for the sequence alone: with an even
            // kernel ≥ 4 the padded batch has one more output per sequence than the sequence alone would get.
            var ownLength = paddingMask.sum(1).add(2 * padding - _spec.KernelSize).div(stride, rounding_mode: RoundingMode.floor).add(1);
            var exists = arange(convolved.shape[2], device: words.device).unsqueeze(0).lt(ownLength.unsqueeze(1)).unsqueeze(1);
            m = functional.conv1d(m, window, stride: stride, padding: padding).gt(0).logical_and(exists).to_type(words.dtype);
            // Zeroing the rest is the same as max-pooling's own -inf padding, because ReLU outputs are ≥ 0.
            x = functional.max_pool1d(convolved.mul(m), 2, 2, 1);
            m = functional.max_pool1d(m, 2, 2, 1);
        }
        else
        {
            // Zero-pad to a whole number of patches so the last words are never dropped.
            long rest = (_spec.KernelSize - x.shape[2] % _spec.KernelSize) % _spec.KernelSize;
            if (rest > 0) { x = functional.pad(x, [0, rest]); m = functional.pad(m, [0, rest]); }
            x = tokenizer.forward(x);
            m = functional.conv1d(m, window, stride: _spec.KernelSize);
        }
        return (x.transpose(1, 2), m.squeeze(1).gt(0));
    }

    private Tensor LearnedPositions(long length)
    {
        if (length > positions!.shape[1])
            throw new ArgumentException($"The sequence has {length} tokens after the tokenizer but the learned positions cover {positions.shape[1]}.");
        return positions.narrow(1, 0, length);
    }

    /// <summary>The fixed encoding of Vaswani et al.: PE[p, 2i] = sin(p / 10000^(2i/d)), PE[p, 2i+1] = cos(…), [1, length, d].</summary>
    internal static Tensor Sinusoid(long length, int width, Device device) =>
        Sinusoid(arange(length, dtype: ScalarType.Float32, device: device), width).unsqueeze(0);

    /// <summary>The sinusoidal encoding of each of the given positions (any shape): the positions' shape + [d].</summary>
    internal static Tensor Sinusoid(Tensor positions, int width)
    {
        var frequency = exp(arange(0, width, 2, dtype: ScalarType.Float32, device: positions.device).mul(-Math.Log(10000.0) / width));
        var angles = positions.to_type(ScalarType.Float32).unsqueeze(-1).mul(frequency);                   // [..., ceil(d/2)]
        return stack([angles.sin(), angles.cos()], -1).flatten(-2).narrow(-1, 0, width);
    }

    /// <summary>
    /// Word vectors N(0, 1) and a Kaiming-normal convolution, as in the official code. Linear layers keep PyTorch's
    /// default (Kaiming-uniform) instead of the official truncated normal with std 0.02: with that tiny start the
    /// model sat on a loss plateau for ~100 steps (training loss 3.25 vs 2.48 after 4 epochs on 1,000 fortunes),
    /// which the paper's 300-epoch schedule absorbs but early stopping on a small dataset does not.
    /// </summary>
    private void Initialize()
    {
        using var _ = no_grad();
        init.normal_(embedding.weight!, 0, 1);
        embedding.weight![0].zero_();
        init.kaiming_normal_(tokenizer.weight!);
    }
}

/// <summary>
/// The CCT encoder block: x ← x + DropPath(MHA(LN₁(x))); x ← LN₂(x); x ← x + DropPath(Linear(Dropout(GELU(Linear(x))))).
/// The query/key/value projections have no bias, as in the official code.
/// </summary>
internal sealed class CompactBlock : Module<Tensor, Tensor?, Tensor>
{
    private readonly LayerNorm preNorm, norm;
    private readonly MultiHeadAttention attention;
    private readonly Linear linear1, linear2;
    private readonly FastDropout dropout1, dropout2;
    private readonly DropPath dropPath;

    public CompactBlock(int width, int heads, int mlpSize, double dropout, double attentionDropout, double dropPath) : base(nameof(CompactBlock))
    {
        preNorm = LayerNorm(width);
        attention = new MultiHeadAttention(width, heads, attentionDropout, projectionBias: false);
        norm = LayerNorm(width);
        linear1 = Linear(width, mlpSize);
        linear2 = Linear(mlpSize, width);
        dropout1 = new FastDropout(dropout);
        dropout2 = new FastDropout(dropout);
        this.dropPath = new DropPath(dropPath);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor? mask)
    {
        using var scope = NewDisposeScope();   // the block's temporaries go when it returns (autograd keeps what it needs)
        var normed = preNorm.forward(x);
        x = norm.forward(x.add(dropPath.forward(attention.Attend(normed, normed, mask, null))));
        return scope.MoveToOuter(x.add(dropPath.forward(dropout2.forward(linear2.forward(dropout1.forward(functional.gelu(linear1.forward(x))))))));
    }
}

/// <summary>Stochastic depth (Huang et al. 2016): while training, drops a residual branch for a whole example with probability p and scales the kept ones by 1/(1−p).</summary>
internal sealed class DropPath : Module<Tensor, Tensor>
{
    private readonly double _p;

    public DropPath(double p) : base(nameof(DropPath))
    {
        if (p < 0 || p >= 1) throw new ArgumentOutOfRangeException(nameof(p), p, "Drop-path probability must be in [0, 1).");
        _p = p;
    }

    public override Tensor forward(Tensor x)
    {
        if (!training || _p == 0) return x.alias();
        var shape = new long[x.dim()];
        Array.Fill(shape, 1L);
        shape[0] = x.shape[0];
        var keep = TorchRandom.Uniform(shape, x.dtype, x.device).ge_(_p);
        return x.mul(keep).div_(1 - _p);
    }
}
