using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNet.DeepText.Models;

/// <summary>The architecture of a <see cref="TextClassifier"/>: an encoder and what is built on top of it.</summary>
/// <param name="Encoder">The model family's encoder.</param>
/// <param name="NumberOfClasses">Outputs of the head.</param>
/// <param name="Pooling">How the encoder's states become one vector.</param>
/// <param name="HeadDropout">Dropout on the document vector before the head.</param>
/// <param name="BagOfWordsSize">Width of a bag-of-words side path (fastText-style mean of its own word vectors), 0 for none.</param>
/// <param name="FreezeEncoder">Whether the encoder's weights stay as they are (only what is on top learns).</param>
/// <param name="HeadLearningRateScale">Learning rate of everything outside the encoder over the encoder's.</param>
/// <param name="NormalizeEmbedding">Whether the document vector is scaled to unit length (sentence embeddings).</param>
internal sealed record ClassifierSpec(
    EncoderSpec Encoder,
    int NumberOfClasses,
    PoolingKind Pooling = PoolingKind.Mean,
    double HeadDropout = 0.0,
    int BagOfWordsSize = 0,
    bool FreezeEncoder = false,
    double HeadLearningRateScale = 1.0,
    bool NormalizeEmbedding = false)
{
    /// <summary>Builds a freshly initialised classifier.</summary>
    public TextClassifier Build() => new(this);

    /// <summary>The model family, e.g. "TransformerEncoder".</summary>
    [JsonIgnore] public string Kind => Encoder.Kind;

    /// <summary>Width of the document vector the head reads.</summary>
    [JsonIgnore] public int EmbeddingSize => Encoder.StateWidth + BagOfWordsSize;

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    public static ClassifierSpec FromJson(string json) =>
        JsonSerializer.Deserialize<ClassifierSpec>(json, s_json) ?? throw new InvalidDataException("Empty model spec.");

    private static volatile JsonSerializerOptions s_json = JsonOptions();

    /// <summary>Called when another assembly's spec kinds are registered: options cache their type information, so make new ones.</summary>
    internal static void KindsChanged() => s_json = JsonOptions();

    private static JsonSerializerOptions JsonOptions() => new()
    {
        Converters = { new JsonStringEnumConverter() },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver
        {
            Modifiers =
            {
                info =>
                {
                    if (info.Type != typeof(EncoderSpec)) return;
                    foreach (var kind in EncoderSpec.Kinds) info.PolymorphismOptions!.DerivedTypes.Add(kind);
                },
            },
        },
    };
}

/// <summary>
/// Every DeepText classifier (HF's <c>XForSequenceClassification</c>): encoder → pooling → (bag-of-words side path) →
/// dropout → linear head, from [B, T] token ids and a [B, T] padding mask to [B, classes] logits. What is built on
/// top of the encoder is written here once, for every family.
/// </summary>
internal sealed class TextClassifier : Module<Tensor, Tensor, Tensor>
{
    private readonly ClassifierSpec _spec;
    private readonly Encoder encoder;
    private readonly Pooling pooling;
    private readonly Embedding? bag;
    private readonly FastDropout headDropout;
    private readonly Linear head;

    public TextClassifier(ClassifierSpec spec) : base(nameof(TextClassifier))
    {
        if (spec.Pooling == PoolingKind.ClassToken && !spec.Encoder.HasClassToken)
            throw new ArgumentException($"Pooling {PoolingKind.ClassToken} needs an encoder with a class token; this {spec.Kind} encoder has none.");
        _spec = spec;
        encoder = spec.Encoder.Build();
        pooling = new Pooling(spec.Pooling, spec.Encoder.StateWidth);
        if (spec.BagOfWordsSize > 0) bag = Embedding(spec.Encoder.VocabularySize, spec.BagOfWordsSize, padding_idx: ReservedTokenIds.Pad);
        headDropout = new FastDropout(spec.HeadDropout);
        head = Linear(spec.EmbeddingSize, spec.NumberOfClasses);
        RegisterComponents();
        if (spec.FreezeEncoder) encoder.Freeze(trainableTopLayers: 0);
    }

    /// <summary>The family's encoder (its parameters are named "encoder.…").</summary>
    public Encoder Encoder => encoder;

    /// <summary>Number of parameter values (frozen ones included).</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    public override Tensor forward(Tensor ids, Tensor paddingMask) => head.forward(headDropout.forward(Embed(ids, paddingMask)));

    /// <summary>The document vector the head reads, [B, <see cref="ClassifierSpec.EmbeddingSize"/>].</summary>
    public Tensor Embed(Tensor ids, Tensor paddingMask)
    {
        // A frozen encoder under parameter-free pooling is a fixed feature extractor: its vectors are remembered while training.
        var document = _spec.FreezeEncoder && _spec.Pooling != PoolingKind.Attention
            ? FrozenVectors.Compute(this, ids, paddingMask, EncodeAndPool)
            : EncodeAndPool(ids, paddingMask);
        if (bag is not null)
        {
            // The side path reads every token of the input, whatever part of it the encoder read.
            var weights = paddingMask.unsqueeze(-1).to_type(document.dtype);
            document = cat([document, bag.forward(ids).mul(weights).sum(1).div(weights.sum(1).clamp_min(1.0))], -1);
        }
        return _spec.NormalizeEmbedding ? functional.normalize(document, p: 2, dim: -1) : document;
    }

    private Tensor EncodeAndPool(Tensor ids, Tensor paddingMask)
    {
        var (states, mask) = encoder.call(ids, paddingMask);
        return pooling.forward(states, mask);
    }

    /// <summary>Training mode for what learns; a frozen encoder always runs in evaluation mode (no dropout), as a fixed feature extractor.</summary>
    public override void train(bool on = true)
    {
        base.train(on);
        if (_spec.FreezeEncoder) encoder.eval();
    }

    /// <summary>
    /// Whether evaluation mode computes the large matrix products in bfloat16, from copies of the weights as they are
    /// now (<paramref name="on"/>), or in float32: every module with such a path (<see cref="IBFloat16Path"/>), wherever
    /// it sits in the encoder; the rest of the model is float32 either way.
    /// </summary>
    public void UseBFloat16Inference(bool on)
    {
        foreach (var module in modules().OfType<IBFloat16Path>()) module.UseBFloat16(on);
    }

    /// <summary>The factor on the learning rate of the parameter named <paramref name="parameterName"/>: the encoder's own inside it (usually 1).</summary>
    public double LearningRateScale(string parameterName) =>
        parameterName.StartsWith("encoder.", StringComparison.Ordinal) ? encoder.LearningRateScale(parameterName["encoder.".Length..]) : _spec.HeadLearningRateScale;

    /// <summary>Overwrites the encoder's word vectors with [vocabulary, word vector size] <paramref name="vectors"/> (row 0, padding, is zeroed).</summary>
    public void SetWordVectors(Tensor vectors)
    {
        var table = encoder.WordVectors ?? throw new NotSupportedException($"The {_spec.Kind} encoder does not take pretrained word vectors.");
        if (!vectors.shape.SequenceEqual(table.shape))
            throw new ArgumentException($"Word vectors have shape [{string.Join(", ", vectors.shape)}], the table [{string.Join(", ", table.shape)}].");
        using var _ = no_grad();
        table.copy_(vectors);
        table[ReservedTokenIds.Pad].zero_();
    }
}
