using MLNet.DeepText.Models;
using static TorchSharp.torch;

namespace MLNet.DeepText.Pretrained.Models;

/// <summary>Architecture of <see cref="PretrainedTransformer"/>.</summary>
/// <param name="VocabularySize">Model ids: the WordPiece vocabulary plus the reserved ids.</param>
/// <param name="Config">The BERT encoder's shape (from its ONNX file).</param>
/// <param name="Dropout">Dropout inside the encoder.</param>
internal sealed record PretrainedTransformerSpec(int VocabularySize, BertConfig Config, double Dropout = 0.1) : EncoderSpec(VocabularySize)
{
    public override Encoder Build() => new PretrainedTransformer(this);
    public override int StateWidth => Config.HiddenSize;
    public override bool HasClassToken => true;
}

/// <summary>
/// A pretrained BERT-family encoder (Devlin et al. 2019) over our model ids: [CLS] text [SEP] → BERT → token states,
/// [CLS] first. The text encoder's vocabulary is the whole WordPiece vocabulary in order, so a model id is the WordPiece
/// id plus <see cref="ReservedTokenIds.Count"/>. The states' mask covers [CLS] … [SEP], so mean pooling averages them
/// as sentence-transformers does (Reimers &amp; Gurevych 2019).
/// </summary>
internal sealed class PretrainedTransformer : Encoder
{
    private const long ClassToken = 101, Separator = 102;   // BERT's [CLS] and [SEP] (uncased and cased vocabularies alike)

    private readonly BertEncoder bert;
    private readonly int _layers;

    public PretrainedTransformer(PretrainedTransformerSpec spec) : base(nameof(PretrainedTransformer))
    {
        bert = new BertEncoder(spec.Config, spec.Dropout, spec.Dropout);
        _layers = spec.Config.NumLayers;
        RegisterComponents();
    }

    /// <summary>Freezes the embeddings and every layer but the top <paramref name="trainableTopLayers"/> (0 to the number of layers).</summary>
    public override void Freeze(int trainableTopLayers)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trainableTopLayers);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(trainableTopLayers, _layers);
        var trainable = Enumerable.Range(_layers - trainableTopLayers, trainableTopLayers).Select(i => $"bert.encoder.layer.{i}.").ToArray();
        foreach (var (name, p) in named_parameters())
            p.requires_grad = trainable.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal));
    }

    /// <summary>The BERT encoder (its parameters are named as in HuggingFace's BertModel, under "bert.").</summary>
    public BertEncoder Bert => bert;

    public override (Tensor States, Tensor Mask) forward(Tensor ids, Tensor paddingMask)
    {
        // [CLS] w1 … wn [SEP] [PAD]…: WordPiece ids shifted right by one, [SEP] written after each text's last token.
        long batch = ids.shape[0];
        var lengths = paddingMask.sum(1, type: ScalarType.Int64);                                  // [B]
        var wordPieces = ids.sub(ReservedTokenIds.Count).clamp_min(0).mul(paddingMask.to_type(ScalarType.Int64));
        var input = cat([full(batch, 1, ClassToken, dtype: ScalarType.Int64, device: ids.device), wordPieces,
                zeros(batch, 1, dtype: ScalarType.Int64, device: ids.device)], 1)
            .scatter(1, lengths.add(1).unsqueeze(1), full(batch, 1, Separator, dtype: ScalarType.Int64, device: ids.device));
        var mask = arange(input.shape[1], device: ids.device).unsqueeze(0).le(lengths.add(1).unsqueeze(1));   // [CLS] … [SEP]
        return (bert.forward(input, mask.to_type(ScalarType.Int64), null), mask);
    }
}
