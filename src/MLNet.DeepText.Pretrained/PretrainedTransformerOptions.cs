using Microsoft.ML;
using MLNet.DeepText.Models;
using MLNet.DeepText.Pretrained;
using MLNet.DeepText.Pretrained.Models;
using MLNet.DeepText.Text;

namespace MLNet.DeepText;

/// <summary>
/// Options of the pretrained-encoder classifier: a BERT-family encoder that already knows English (all-MiniLM-L6-v2,
/// shipped in a NuGet package, by default) fine-tuned with a new linear head. The defaults follow common fine-tuning
/// practice (small encoder learning rate, faster head, warm-up, few epochs with early stopping) and are sized so that a
/// few thousand short texts train in minutes on a laptop CPU.
/// </summary>
public sealed class PretrainedTransformerOptions : DeepTextOptions
{
    /// <summary>A BERT-family encoder exported to ONNX (float32, weights inside the file); null: the built-in all-MiniLM-L6-v2.</summary>
    public string? EncoderFile { get; set; }
    /// <summary>The WordPiece vocab.txt that goes with <see cref="EncoderFile"/> (uncased vocabularies are lower-cased and stripped of accents).</summary>
    public string? EncoderVocabularyFile { get; set; }
    /// <summary>Keep the encoder's weights as they are and train only the head: much faster, usually less accurate. Default false.</summary>
    public bool FreezeEncoder { get; set; }
    /// <summary>
    /// How the token states become the document vector: their mean, [CLS] and [SEP] included (sentence-transformers'
    /// choice for MiniLM), the [CLS] token's state (<see cref="PoolingKind.ClassToken"/>, BERT's classifiers), or
    /// attention pooling. Default mean.
    /// </summary>
    public PoolingKind Pooling { get; set; } = PoolingKind.Mean;
    /// <summary>
    /// Learning rate of the new head, in (0, 1]; <see cref="DeepTextOptions.LearningRate"/> is the encoder's. Null (default):
    /// 1e-3 when the encoder is fine-tuned, 1e-2 with <see cref="FreezeEncoder"/> (only the head learns, on fixed
    /// features, so it can move faster: on 1,000 rows of fortunes / wordnet 0.398 / 0.531 accuracy against 0.317 / 0.483 with 1e-3).
    /// </summary>
    public double? HeadLearningRate { get; set; }
    /// <summary>Dropout in the encoder and before the head, in [0, 1). Default 0.1 (BERT's).</summary>
    public double Dropout { get; set; } = 0.1;

    /// <summary>The defaults of fine-tuning: encoder learning rate 5e-5, 128 tokens ([CLS] and [SEP] included), batch 16, up to 10 epochs, patience 3, 10% warm-up, no label smoothing, the whole WordPiece vocabulary.</summary>
    public PretrainedTransformerOptions()
    {
        LearningRate = 5e-5;
        MaxTokens = 128;
        BatchSize = 16;
        MaxEpochs = 10;
        EarlyStoppingPatience = 3;
        WarmupFraction = 0.1;
        LabelSmoothing = 0;
        TokenizerName = PretrainedTokenizers.MiniLM;
    }

    /// <summary>For tests: an encoder given directly (e.g. a tiny randomly initialised one), instead of a file.</summary>
    internal BertResources? EncoderForTests { get; set; }

    /// <inheritdoc />
    /// <remarks>With <see cref="EncoderVocabularyFile"/>, sets <see cref="DeepTextOptions.TokenizerName"/> to that file's tokenizer.</remarks>
    public override void Validate()
    {
        CheckEncoderFiles(EncoderFile, EncoderVocabularyFile);
        TokenizerName = Source.TokenizerName;
        base.Validate();
        Range(nameof(MaxTokens), MaxTokens, 3, 512);
        if (HeadLearningRate is { } head && !(head > 0 && head <= 1)) Fail(nameof(HeadLearningRate), head, "(0, 1]");
        Probability(nameof(Dropout), Dropout);
        RequireDefined(nameof(Pooling), Pooling);
        if (WordVectorFile is not null || WordVectorSource is not null)
            throw new ArgumentException("The pretrained encoder has its own word vectors; WordVectorFile is for the families trained from scratch.", nameof(WordVectorFile));
    }

    /// <summary>Throws unless both files are given and exist, or neither.</summary>
    internal static void CheckEncoderFiles(string? encoderFile, string? vocabularyFile)
    {
        if (encoderFile is null && vocabularyFile is null) return;
        if (encoderFile is null || vocabularyFile is null)
            throw new ArgumentException("EncoderFile and EncoderVocabularyFile go together: give both (or neither, for the built-in all-MiniLM-L6-v2).",
                encoderFile is null ? nameof(EncoderFile) : nameof(EncoderVocabularyFile));
        foreach (var (file, name) in new[] { (encoderFile, nameof(EncoderFile)), (vocabularyFile, nameof(EncoderVocabularyFile)) })
            if (!File.Exists(file)) throw new ArgumentException($"Option {name}: the file '{file}' does not exist.", name);
    }

    // ---- the family's part of Fit ----

    private BertEncoderSource? _source;

    /// <summary>The encoder's shape and weights: read once per file (the built-in one by default).</summary>
    private BertEncoderSource Source
    {
        get
        {
            if (_source is null || _source.File != EncoderFile || _source.VocabularyFileName != EncoderVocabularyFile || (EncoderForTests is not null && _source.Resources != EncoderForTests))
                _source = new BertEncoderSource(EncoderFile, EncoderVocabularyFile, EncoderForTests);
            return _source;
        }
    }

    /// <summary>[CLS] and [SEP] take two of the MaxTokens positions.</summary>
    internal override int DocumentTokens => MaxTokens - 2;

    /// <summary>The whole WordPiece vocabulary, in order: every word keeps its pretrained vector, seen in training or not.</summary>
    internal override void LearnVocabulary(TextEncoder encoder, IReadOnlyList<int[]> trainTokens, PretrainedVectors? wordVectors) =>
        encoder.UseVocabulary(Source.Vocabulary());

    internal override ClassifierSpec CreateSpec(int vocabularySize, int numberOfClasses, PretrainedVectors? wordVectors)
    {
        if (MaxTokens - 2 > Source.MaxTokens)
            throw new ArgumentOutOfRangeException(nameof(MaxTokens), MaxTokens, $"The encoder reads at most {Source.MaxTokens + 2} tokens.");
        return new ClassifierSpec(Source.CreateSpec(vocabularySize, Dropout), numberOfClasses, Pooling,
            HeadDropout: Dropout, BagOfWordsSize: BagOfWordsSize, FreezeEncoder: FreezeEncoder, HeadLearningRateScale: (HeadLearningRate ?? (FreezeEncoder ? 1e-2 : 1e-3)) / LearningRate);
    }

    internal override void InitializeModel(TextClassifier model, Action<string> log)
    {
        Source.LoadWeights(model.Encoder);
        log($"Pretrained encoder {Source.Description}{(FreezeEncoder ? ", frozen" : "")}.");
    }
}

/// <summary>The pretrained-encoder trainer on ML.NET's multiclass catalog.</summary>
public static class PretrainedTransformerCatalog
{
    /// <summary>
    /// Fine-tunes all-MiniLM-L6-v2 (a 6-layer BERT-family encoder, 22M parameters, shipped in a NuGet package: nothing is
    /// downloaded) with a new linear head over a text column. Knows English before it sees your data, so it needs far
    /// fewer labelled rows than the models trained from scratch. The label must be a key (use <c>MapValueToKey</c>);
    /// outputs <c>PredictedLabel</c> and <c>Score</c>. Saved models hold the fine-tuned weights.
    /// </summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">Key-typed label column.</param>
    /// <param name="textColumnName">Text column.</param>
    /// <param name="maxEpochs">Upper bound on epochs (early stopping on a validation split usually ends sooner).</param>
    /// <param name="freezeEncoder">Train only the head (fast, features only).</param>
    public static DeepTextTrainer<PretrainedTransformerOptions> PretrainedTransformer(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label",
        string textColumnName = "Text",
        int maxEpochs = 10,
        bool freezeEncoder = false) =>
        catalog.PretrainedTransformer(new PretrainedTransformerOptions
        {
            LabelColumnName = labelColumnName,
            TextColumnName = textColumnName,
            MaxEpochs = maxEpochs,
            FreezeEncoder = freezeEncoder,
        });

    /// <summary>The pretrained-encoder classifier configured by <paramref name="options"/>.</summary>
    public static DeepTextTrainer<PretrainedTransformerOptions> PretrainedTransformer(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, PretrainedTransformerOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new DeepTextTrainer<PretrainedTransformerOptions>(MlNetBridge.GetEnvironment(catalog), options);
    }
}
