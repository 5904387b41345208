using Microsoft.ML.SearchSpace;
using Microsoft.ML;
using Microsoft.ML.Tokenizers;
using MLNet.DeepText.Models;
using MLNet.DeepText.Text;
using MLNet.DeepText.Training;
using static TorchSharp.torch;

namespace MLNet.DeepText;

/// <summary>How a model's token states become one document vector.</summary>
public enum PoolingKind
{
    /// <summary>Average of the real tokens' states.</summary>
    Mean,
    /// <summary>Attention pooling (the compact transformers' "sequence pooling", Hassani et al.): a learned softmax weighting over the real tokens.</summary>
    Attention,
    /// <summary>The state of a class token that the model adds to the text for this purpose (BERT's [CLS]).</summary>
    ClassToken,
    /// <summary>The last real token's state (the natural readout of a causal model).</summary>
    LastToken,
}

/// <summary>What the learning rate does after its linear warm-up.</summary>
public enum LearningRateDecay
{
    /// <summary>Cosine decay to zero at the last planned step (<c>MaxEpochs</c>).</summary>
    Cosine,
    /// <summary>No decay: the peak rate until training stops.</summary>
    None,
}

/// <summary>
/// Options shared by every DeepText trainer: columns, tokenization, training loop and device.
/// The defaults are meant to work on ordinary business text on a laptop CPU. Each model family's options class adds
/// its architecture and knows how to build its model (so a new family needs no other registration).
/// </summary>
public abstract class DeepTextOptions
{
    /// <summary>Label column; must be a key (use <c>MapValueToKey</c>). Rows whose key is missing are skipped.</summary>
    public string LabelColumnName { get; set; } = "Label";
    /// <summary>Text column to classify. Null or empty text is valid and gets a prediction.</summary>
    public string TextColumnName { get; set; } = "Text";
    /// <summary>Output column with the predicted class (a key carrying the training label's values).</summary>
    public string PredictedLabelColumnName { get; set; } = "PredictedLabel";
    /// <summary>Output column with the class probabilities (a float vector with one slot per class).</summary>
    public string ScoreColumnName { get; set; } = "Score";

    /// <summary>
    /// Tokenizer to use instead of the default tiktoken <c>cl100k_base</c> encoding. The saved model records
    /// <see cref="TokenizerName"/>, so set that to a name of your own; loading in another process needs
    /// <see cref="DeepTextTokenizers.Register"/> with the same name first.
    /// </summary>
    public Tokenizer? Tokenizer { get; set; }
    /// <summary>Name of the tokenizer in <see cref="DeepTextTokenizers"/>. Default: <c>cl100k_base</c>.</summary>
    public string TokenizerName { get; set; } = DeepTextTokenizers.Default;
    /// <summary>Tokens kept per text, 1 to 65,536. Default 256.</summary>
    public int MaxTokens { get; set; } = 256;
    /// <summary>Which tokens are kept when a text is longer than <see cref="MaxTokens"/>. Default: head and tail.</summary>
    public TruncationPolicy Truncation { get; set; } = TruncationPolicy.HeadAndTail;
    /// <summary>A token must occur at least this often in the training text to get its own embedding (≥ 1). Default 2.</summary>
    public int MinTokenCount { get; set; } = 2;
    /// <summary>Largest vocabulary (embedding rows, 3 reserved ids included), 4 to 1,000,000. Default 30,000.</summary>
    public int MaxVocabularySize { get; set; } = 30_000;

    /// <summary>Examples per training step, 1 to 4,096. Default 32.</summary>
    [Choice(16, 32, 64)]
    public int BatchSize { get; set; } = 32;
    /// <summary>Upper bound on training epochs, ≥ 1; early stopping usually ends sooner. Default 20.</summary>
    public int MaxEpochs { get; set; } = 20;
    /// <summary>
    /// Wall-clock budget for the training loop, or null for none. When it runs out, the epoch in progress ends early, is
    /// validated like any other, and training stops with the best epoch's weights. Default null.
    /// </summary>
    public TimeSpan? MaxTrainingTime { get; set; }
    /// <summary>Peak AdamW learning rate, in (0, 1]. Default 5e-4.</summary>
    [Range(1e-4, 3e-3, logBase: true)]
    public double LearningRate { get; set; } = 5e-4;
    /// <summary>AdamW weight decay on weight matrices, in [0, 1]. Default 0.01.</summary>
    public double WeightDecay { get; set; } = 0.01;
    /// <summary>Fraction of the planned steps used for linear warm-up, in [0, 1). Default 0.06.</summary>
    public double WarmupFraction { get; set; } = 0.06;
    /// <summary>
    /// What the learning rate does after warm-up: cosine decay to zero at <see cref="MaxEpochs"/>, or stay constant
    /// (the staircase paper's schedule; with early stopping the run need not reach the end of a decay). Default cosine.
    /// </summary>
    public LearningRateDecay LearningRateDecay { get; set; } = LearningRateDecay.Cosine;
    /// <summary>Label smoothing of the cross-entropy loss, in [0, 1). Default 0.1.</summary>
    public double LabelSmoothing { get; set; } = 0.1;
    /// <summary>Maximum gradient norm, ≥ 0 (0 disables clipping). Default 1.</summary>
    public double GradientClipNorm { get; set; } = 1.0;
    /// <summary>Epochs without a better validation score before training stops, ≥ 1. Default 3.</summary>
    public int EarlyStoppingPatience { get; set; } = 3;
    /// <summary>
    /// Data to pick the best epoch and stop early on. When null, a seeded stratified
    /// <see cref="ValidationFraction"/> of the training data is held out instead.
    /// </summary>
    public IDataView? ValidationSet { get; set; }
    /// <summary>Fraction of the training rows held out for validation when no <see cref="ValidationSet"/> is given, in [0, 0.5]. 0 trains on everything and keeps the epoch with the lowest training loss. Default 0.1.</summary>
    public double ValidationFraction { get; set; } = 0.1;

    /// <summary>
    /// Optional word-vector file (GloVe, fastText <c>.vec</c> or word2vec text format: <c>word v1 v2 ...</c> per line) to
    /// start the model's word vectors from. Tokens of the tokenizer that are whole words of the file get its vector,
    /// including words never seen in the training data; the rest start random. When the file's dimension differs from
    /// the model's width, a learned projection maps the vectors to it. Read once in <c>Fit</c>; the saved model holds the
    /// vectors, so the file is not needed to load it. Nothing is downloaded. Default null.
    /// </summary>
    public string? WordVectorFile { get; set; }
    /// <summary>Keep pretrained word vectors fixed while training instead of fine-tuning them. Default false.</summary>
    public bool FreezeWordVectors { get; set; }

    /// <summary>
    /// Width of a bag-of-words side path, 0 to 1,024: a fastText-style mean of its own word vectors over every token of
    /// the text, concatenated to the model's document vector before the classifier, so that a bag-of-words model and
    /// the attention model are trained together. 0 turns it off. Default 0.
    /// </summary>
    [Choice(0, 64)]
    public int BagOfWordsSize { get; set; }

    /// <summary>Random seed; null takes one from the <c>MLContext</c>'s seed.</summary>
    public int? Seed { get; set; }
    /// <summary>Torch device ("cpu", "cuda", "cuda:1"). Null: CUDA when available (device <c>MLContext.GpuDeviceId</c>), else the CPU.</summary>
    public string? Device { get; set; }
    /// <summary>Rows scored per forward pass when transforming data, 1 to 4,096. Default 64.</summary>
    public int PredictionBatchSize { get; set; } = 64;
    /// <summary>
    /// Whether scoring computes the pretrained (BERT-family) encoder's matrix products in bfloat16 on a CPU with bfloat16
    /// instructions (AVX-512 BF16 or AMX): MiniLM scores one text about 1.5× faster, with class probabilities within
    /// about 0.005 of float32's (RESULTS.md, issue 12). Training always computes in float32; other encoders, other
    /// CPUs and GPUs ignore it. Saved with the model. Default true.
    /// </summary>
    public bool BFloat16Scoring { get; set; } = true;
    /// <summary>Receives a report after every epoch (also written to <c>MLContext.Log</c>).</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }
    /// <summary>Also report progress within each epoch, every this many steps, 0 to 1,000,000; 0 (default): at the end of each epoch only.</summary>
    public int ProgressEverySteps { get; set; }
    /// <summary>Stops training with <see cref="OperationCanceledException"/>.</summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option and its allowed range.</summary>
    public virtual void Validate()
    {
        RequireName(LabelColumnName, nameof(LabelColumnName));
        RequireName(TextColumnName, nameof(TextColumnName));
        RequireName(PredictedLabelColumnName, nameof(PredictedLabelColumnName));
        RequireName(ScoreColumnName, nameof(ScoreColumnName));
        RequireName(TokenizerName, nameof(TokenizerName));
        if (Tokenizer is not null && TokenizerName == DeepTextTokenizers.Default)
            throw new ArgumentException(
                $"A custom Tokenizer was given but TokenizerName is still '{DeepTextTokenizers.Default}'. Set TokenizerName to a name of your own: " +
                "the saved model records it, and loading it in another process needs DeepTextTokenizers.Register(name, tokenizer).", nameof(TokenizerName));
        if (Tokenizer is null && !DeepTextTokenizers.IsRegistered(TokenizerName))
            throw new ArgumentException($"TokenizerName '{TokenizerName}' is not registered; pass the Tokenizer option or call DeepTextTokenizers.Register first.", nameof(TokenizerName));
        RequireDefined(nameof(Truncation), Truncation);
        Range(nameof(MaxTokens), MaxTokens, 1, 65_536);
        Range(nameof(MinTokenCount), MinTokenCount, 1, int.MaxValue);
        Range(nameof(MaxVocabularySize), MaxVocabularySize, 4, 1_000_000);
        Range(nameof(BatchSize), BatchSize, 1, 4096);
        Range(nameof(MaxEpochs), MaxEpochs, 1, 100_000);
        if (MaxTrainingTime is { } budget && budget <= TimeSpan.Zero) Fail(nameof(MaxTrainingTime), budget, "a positive time span, or null for no budget");
        if (!(LearningRate > 0 && LearningRate <= 1)) Fail(nameof(LearningRate), LearningRate, "(0, 1]");
        Range(nameof(WeightDecay), WeightDecay, 0, 1);
        if (!(WarmupFraction >= 0 && WarmupFraction < 1)) Fail(nameof(WarmupFraction), WarmupFraction, "[0, 1)");
        RequireDefined(nameof(LearningRateDecay), LearningRateDecay);
        if (!(LabelSmoothing >= 0 && LabelSmoothing < 1)) Fail(nameof(LabelSmoothing), LabelSmoothing, "[0, 1)");
        Range(nameof(GradientClipNorm), GradientClipNorm, 0, double.MaxValue);
        Range(nameof(EarlyStoppingPatience), EarlyStoppingPatience, 1, 100_000);
        Range(nameof(ValidationFraction), ValidationFraction, 0, 0.5);
        Range(nameof(PredictionBatchSize), PredictionBatchSize, 1, 4096);
        Range(nameof(ProgressEverySteps), ProgressEverySteps, 0, 1_000_000);
        Range(nameof(BagOfWordsSize), BagOfWordsSize, 0, 1024);
        if (WordVectorFile is not null && !File.Exists(WordVectorFile))
            throw new ArgumentException($"Option WordVectorFile = '{WordVectorFile}': the file does not exist.", nameof(WordVectorFile));
        if (WordVectorFile is not null && WordVectorSource is not null)
            throw new ArgumentException("Option WordVectorFile is set, and so are a package's word vectors (UseMiniLMWordVectors): choose one.", nameof(WordVectorFile));
        if (FreezeWordVectors && WordVectorFile is null && WordVectorSource is null)
            throw new ArgumentException("Option FreezeWordVectors is true but no WordVectorFile is given: random word vectors would never be trained.", nameof(FreezeWordVectors));
        if (Device is not null && !System.Text.RegularExpressions.Regex.IsMatch(Device, @"^(cpu|cuda(:\d+)?)$"))
            Fail(nameof(Device), Device, "'cpu', 'cuda' or 'cuda:N' (whether CUDA is available is checked when training starts)");
    }

    // ---- what a model family contributes to Fit (the trainer calls these in this order) ----

    /// <summary>The most tokens of a text the model reads (the text encoder truncates to it). Default: <see cref="MaxTokens"/>.</summary>
    internal virtual int DocumentTokens => MaxTokens;

    /// <summary>Word vectors that a package provides instead of a file (e.g. a pretrained encoder's token table); see <see cref="ReadWordVectors"/>.</summary>
    internal Func<Tokenizer, PretrainedVectors>? WordVectorSource { get; set; }

    /// <summary>Word vectors to initialise the model's word-vector table with: the package's, the file's, or none.</summary>
    internal virtual PretrainedVectors? ReadWordVectors(Tokenizer tokenizer) =>
        WordVectorSource?.Invoke(tokenizer) ?? (WordVectorFile is null ? null : PretrainedVectors.Load(WordVectorFile, tokenizer));

    /// <summary>Sets the text encoder's vocabulary from the training tokens (default: the compact vocabulary of the ids seen often enough).</summary>
    internal virtual void LearnVocabulary(TextEncoder encoder, IReadOnlyList<int[]> trainTokens, PretrainedVectors? wordVectors) =>
        encoder.LearnVocabulary(trainTokens, MinTokenCount, MaxVocabularySize, wordVectors?.TokenizerIds);

    /// <summary>The family's architecture for a learned vocabulary and class count (and the word vectors' size, if any).</summary>
    internal abstract ClassifierSpec CreateSpec(int vocabularySize, int numberOfClasses, PretrainedVectors? wordVectors);

    /// <summary>Runs on the freshly built model before it moves to its device (default: nothing), e.g. to load pretrained weights.</summary>
    internal virtual void InitializeModel(TextClassifier model, Action<string> log) { }

    /// <summary>Runs before the classification training, on the model already on its device (default: nothing).</summary>
    internal virtual void Pretrain(TextClassifier model, ClassifierSpec spec, TokenizedDataset train, TrainingSettings settings,
        Device device, Action<string> log, Func<bool> isCanceled) { }

    internal TrainingSettings ToTrainingSettings(int seed) => new()
    {
        BatchSize = BatchSize, MaxEpochs = MaxEpochs, LearningRate = LearningRate, WeightDecay = WeightDecay,
        WarmupFraction = WarmupFraction, Decay = LearningRateDecay, LabelSmoothing = LabelSmoothing, GradientClipNorm = GradientClipNorm,
        EarlyStoppingPatience = EarlyStoppingPatience, MaxTrainingTime = MaxTrainingTime, Seed = seed,
    };

    /// <summary>Throws unless <paramref name="low"/> ≤ <paramref name="value"/> ≤ <paramref name="high"/>.</summary>
    private protected static void Range(string option, double value, double low, double high)
    {
        if (!(value >= low && value <= high))
            Fail(option, value, high >= int.MaxValue ? $"≥ {low}" : $"[{low}, {high}]");
    }

    /// <summary>Throws unless 0 ≤ <paramref name="value"/> &lt; 1.</summary>
    private protected static void Probability(string option, double value)
    {
        if (!(value >= 0 && value < 1)) Fail(option, value, "[0, 1)");
    }

    /// <summary>Throws unless <paramref name="value"/> is one of its enum's named values.</summary>
    private protected static void RequireDefined<TEnum>(string option, TEnum value) where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value)) Fail(option, value, $"one of {string.Join(", ", Enum.GetNames<TEnum>())}");
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming <paramref name="option"/>, its value and what is allowed.</summary>
    private protected static void Fail(string option, object value, string allowed) =>
        throw new ArgumentOutOfRangeException(option, value, $"Option {option} = {value} is invalid; allowed: {allowed}.");

    private static void RequireName(string? value, string option)
    {
        if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException($"Option {option} must name a column (it is empty).", option);
    }
}
