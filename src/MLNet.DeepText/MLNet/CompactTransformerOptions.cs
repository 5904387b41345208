using Microsoft.ML.SearchSpace;
using MLNet.DeepText.Models;
using MLNet.DeepText.Text;

namespace MLNet.DeepText;

/// <summary>
/// Options of the compact transformer classifier (CCT / CVT / ViT-Lite, Hassani et al. 2021): a small model with a
/// convolutional (or patch) tokenizer over the word embeddings and sequence pooling, meant for small datasets
/// (hundreds to a few thousand examples) on a CPU. The default is CCT-2 with kernel 2 (about 0.28M parameters besides
/// the embeddings). Training defaults differ from <see cref="DeepTextOptions"/>' where the paper's recipe asks:
/// learning rate 1e-3, weight decay 0.05, up to 30 epochs with early-stopping patience 5. The batch stays at 32
/// rather than the paper's 64 (or 128): on small data, more updates per epoch gave clearly better models.
/// </summary>
public sealed class CompactTransformerOptions : DeepTextOptions
{
    /// <summary>The paper's training recipe: learning rate 1e-3, weight decay 0.05, up to 30 epochs, patience 5.</summary>
    public CompactTransformerOptions()
    {
        LearningRate = 1e-3;
        WeightDecay = 0.05;
        MaxEpochs = 30;
        EarlyStoppingPatience = 5;
    }

    /// <summary>The architecture: CCT-2/4/6, CVT-2/4/6 or ViT-Lite-2/4/6 (blocks, heads, width, MLP ratio, tokenizer, readout). Default CCT-2.</summary>
    public CompactTransformerPreset Preset { get; set; } = CompactTransformerPreset.Cct2;
    /// <summary>Convolution kernel (CCT) or patch size (CVT, ViT-Lite) in word vectors, 1 to 16; the paper recommends 1, 2 or 4. Default 2.</summary>
    [Choice(1, 2, 3, 4)]
    public int KernelSize { get; set; } = 2;
    /// <summary>Encoder blocks, 1 to 24; null takes the preset's. Default null.</summary>
    public int? NumberOfLayers { get; set; }
    /// <summary>Attention heads, 1 to 64, dividing the width; null takes the preset's. Default null.</summary>
    public int? NumberOfHeads { get; set; }
    /// <summary>Width of the encoder's token states, 8 to 2,048; null takes the preset's (128, or 256 for size 6). Default null.</summary>
    public int? Width { get; set; }
    /// <summary>Hidden width of each block's MLP as a multiple of the width, 0.25 to 8; null takes the preset's. Default null.</summary>
    public double? MlpRatio { get; set; }
    /// <summary>
    /// Size of the word vectors, 8 to 2,048, when they are learned from scratch. Ignored with pretrained word vectors
    /// (<see cref="DeepTextOptions.WordVectorFile"/>: their dimension is used). Default 128.
    /// </summary>
    public int WordVectorSize { get; set; } = 128;
    /// <summary>Position information: sinusoidal (added to real tokens only), learnable, or none. Default sinusoidal.</summary>
    public PositionalEncodingKind PositionalEncoding { get; set; } = PositionalEncodingKind.Sinusoidal;
    /// <summary>Dropout on the word vectors, in [0, 1). Default 0.1.</summary>
    public double WordVectorDropout { get; set; } = 0.1;
    /// <summary>
    /// Dropout inside the blocks' MLPs and on their output, in [0, 1). Default 0.1: the paper's 0 comes from vision
    /// training with heavy augmentation; on text, 0.1 cut overfitting (fortunes, 4,000 rows: accuracy 0.373 → 0.411).
    /// </summary>
    [Range(0.0, 0.3)]
    public double Dropout { get; set; } = 0.1;
    /// <summary>Dropout on the attention weights, in [0, 1). Default 0.1 (the paper's).</summary>
    public double AttentionDropout { get; set; } = 0.1;
    /// <summary>Stochastic depth of the last block, in [0, 1); it rises linearly from 0 at the first block. Default 0.1 (the paper's).</summary>
    public double StochasticDepth { get; set; } = 0.1;

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        RequireDefined(nameof(Preset), Preset);
        Range(nameof(KernelSize), KernelSize, 1, 16);
        if (NumberOfLayers is { } layers) Range(nameof(NumberOfLayers), layers, 1, 24);
        if (NumberOfHeads is { } heads) Range(nameof(NumberOfHeads), heads, 1, 64);
        if (Width is { } width) Range(nameof(Width), width, 8, 2048);
        if (MlpRatio is { } ratio) Range(nameof(MlpRatio), ratio, 0.25, 8);
        var (_, presetHeads, presetWidth, _, _, _) = CompactTransformerPresets.Settings(Preset);
        int w = Width ?? presetWidth, h = NumberOfHeads ?? presetHeads;
        if (w % h != 0) Fail(Width is null ? nameof(NumberOfHeads) : nameof(Width), Width ?? h, $"a width divisible by the number of heads (width {w}, heads {h})");
        Range(nameof(WordVectorSize), WordVectorSize, 8, 2048);
        RequireDefined(nameof(PositionalEncoding), PositionalEncoding);
        Probability(nameof(WordVectorDropout), WordVectorDropout);
        Probability(nameof(Dropout), Dropout);
        Probability(nameof(AttentionDropout), AttentionDropout);
        Probability(nameof(StochasticDepth), StochasticDepth);
    }

    internal override ClassifierSpec CreateSpec(int vocabularySize, int numberOfClasses, PretrainedVectors? wordVectors)
    {
        var (layers, heads, width, mlpRatio, tokenizer, classToken) = CompactTransformerPresets.Settings(Preset);
        var encoder = new CompactTransformerSpec(vocabularySize, MaxTokens,
            WordVectorSize: wordVectors?.Dimension ?? WordVectorSize, Width: Width ?? width, NumberOfLayers: NumberOfLayers ?? layers,
            NumberOfHeads: NumberOfHeads ?? heads, MlpRatio: MlpRatio ?? mlpRatio, Tokenizer: tokenizer, KernelSize: KernelSize,
            ClassToken: classToken, PositionalEncoding: PositionalEncoding, WordVectorDropout: WordVectorDropout, Dropout: Dropout,
            AttentionDropout: AttentionDropout, StochasticDepth: StochasticDepth, FreezeWordVectors: FreezeWordVectors);
        return new(encoder, numberOfClasses, classToken ? PoolingKind.ClassToken : PoolingKind.Attention, BagOfWordsSize: BagOfWordsSize);
    }
}

/// <summary>
/// The compact transformer family's text models (Hassani et al. 2021). The number is the count of encoder blocks;
/// sizes 2 and 4 have 2 heads, width 128 and MLP ratio 1; size 6 has 4 heads, width 256 and MLP ratio 2.
/// </summary>
public enum CompactTransformerPreset
{
    /// <summary>CCT-2: convolutional tokenizer, sequence pooling, 2 blocks (0.24–0.35M parameters besides the embeddings).</summary>
    Cct2,
    /// <summary>CCT-4: convolutional tokenizer, sequence pooling, 4 blocks.</summary>
    Cct4,
    /// <summary>CCT-6: convolutional tokenizer, sequence pooling, 6 blocks of width 256.</summary>
    Cct6,
    /// <summary>CVT-2: patch tokenizer, sequence pooling, 2 blocks.</summary>
    Cvt2,
    /// <summary>CVT-4: patch tokenizer, sequence pooling, 4 blocks.</summary>
    Cvt4,
    /// <summary>CVT-6: patch tokenizer, sequence pooling, 6 blocks of width 256.</summary>
    Cvt6,
    /// <summary>ViT-Lite-2: patch tokenizer, class token, 2 blocks.</summary>
    VitLite2,
    /// <summary>ViT-Lite-4: patch tokenizer, class token, 4 blocks.</summary>
    VitLite4,
    /// <summary>ViT-Lite-6: patch tokenizer, class token, 6 blocks of width 256.</summary>
    VitLite6,
}

/// <summary>Position information added to a compact transformer's tokens.</summary>
public enum PositionalEncodingKind
{
    /// <summary>Fixed sine/cosine encoding of the token's position, added to real tokens only.</summary>
    Sinusoidal,
    /// <summary>A learned vector per position (truncated normal, std 0.2).</summary>
    Learnable,
    /// <summary>No position information beyond what the convolution gives.</summary>
    None,
}
