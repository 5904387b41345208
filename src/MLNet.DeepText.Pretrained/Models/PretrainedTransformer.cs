using MLNet.DeepText.Models;
using MLNet.DeepText.Text;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNet.DeepText.Pretrained.Models;

/// <summary>Architecture of <see cref="PretrainedTransformerClassifier"/>.</summary>
/// <param name="VocabularySize">Model ids: the WordPiece vocabulary plus the reserved ids.</param>
/// <param name="NumberOfClasses">Outputs of the head.</param>
/// <param name="Encoder">The BERT encoder's shape (from its ONNX file).</param>
/// <param name="Pooling">Mean or [CLS] pooling.</param>
/// <param name="Dropout">Dropout in the encoder and before the head.</param>
/// <param name="HeadLearningRateScale">The head's learning rate over the encoder's.</param>
/// <param name="FreezeEncoder">Whether the encoder's weights stay as they are (only the head learns).</param>
/// <param name="NormalizeEmbedding">Whether the pooled vector is scaled to unit length (sentence embeddings).</param>
internal sealed record PretrainedTransformerSpec(
    int VocabularySize,
    int NumberOfClasses,
    BertConfig Encoder,
    PretrainedPooling Pooling = PretrainedPooling.Mean,
    double Dropout = 0.1,
    double HeadLearningRateScale = 1.0,
    bool FreezeEncoder = false,
    bool NormalizeEmbedding = false) : ClassifierSpec(VocabularySize, NumberOfClasses)
{
    public override TextClassifier Build() => new PretrainedTransformerClassifier(this);
}

/// <summary>
/// A pretrained BERT-family encoder fine-tuned for classification (Devlin et al. 2019; pooling as in Reimers &amp; Gurevych
/// 2019): [CLS] text [SEP] → encoder → mean (or [CLS]) pooling → dropout → linear head.
/// The text encoder's vocabulary is the whole WordPiece vocabulary in order, so a model id is the WordPiece id plus
/// <see cref="Vocabulary.ReservedCount"/>.
/// </summary>
internal sealed class PretrainedTransformerClassifier : TextClassifier
{
    private const long ClassToken = 101, Separator = 102;   // BERT's [CLS] and [SEP] (uncased and cased vocabularies alike)

    private readonly PretrainedTransformerSpec _spec;
    private readonly BertEncoder bert;
    private readonly Dropout dropout;
    private readonly Linear head;

    public PretrainedTransformerClassifier(PretrainedTransformerSpec spec) : base(nameof(PretrainedTransformerClassifier))
    {
        _spec = spec;
        bert = new BertEncoder(spec.Encoder, spec.Dropout, spec.Dropout);
        dropout = Dropout(spec.Dropout);
        head = Linear(spec.Encoder.HiddenSize, spec.NumberOfClasses);
        RegisterComponents();
        if (spec.FreezeEncoder)
            foreach (var p in bert.parameters()) p.requires_grad = false;
    }

    /// <summary>The encoder (its parameters are named as in HuggingFace's BertModel, under "bert.").</summary>
    public BertEncoder Bert => bert;

    public override double LearningRateScale(string parameterName) =>
        parameterName.StartsWith("head.", StringComparison.Ordinal) ? _spec.HeadLearningRateScale : 1.0;

    public override Tensor forward(Tensor ids, Tensor paddingMask) => head.forward(dropout.forward(Embed(ids, paddingMask)));

    public override Tensor Embed(Tensor ids, Tensor paddingMask)
    {
        // [CLS] w1 … wn [SEP] [PAD]…: WordPiece ids shifted right by one, [SEP] written after each text's last token.
        long batch = ids.shape[0];
        var lengths = paddingMask.sum(1, type: ScalarType.Int64);                                  // [B]
        var wordPieces = ids.sub(Vocabulary.ReservedCount).clamp_min(0).mul(paddingMask.to_type(ScalarType.Int64));
        var input = cat([full(batch, 1, ClassToken, dtype: ScalarType.Int64, device: ids.device), wordPieces,
                zeros(batch, 1, dtype: ScalarType.Int64, device: ids.device)], 1)
            .scatter(1, lengths.add(1).unsqueeze(1), full(batch, 1, Separator, dtype: ScalarType.Int64, device: ids.device));
        var mask = arange(input.shape[1], device: ids.device).unsqueeze(0).le(lengths.add(1).unsqueeze(1));   // [CLS] … [SEP]
        var states = bert.forward(input, mask.to_type(ScalarType.Int64), null);                    // [B, T + 2, H]
        var weights = mask.unsqueeze(-1).to_type(states.dtype);
        var pooled = _spec.Pooling == PretrainedPooling.ClassToken ? states.select(1, 0) : states.mul(weights).sum(1).div(weights.sum(1));
        return _spec.NormalizeEmbedding ? nn.functional.normalize(pooled, p: 2, dim: -1) : pooled;
    }
}
