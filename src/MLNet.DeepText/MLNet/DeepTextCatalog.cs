using Microsoft.ML;

namespace MLNet.DeepText;

/// <summary>Entry points of MLNet.DeepText on ML.NET's catalogs.</summary>
public static class DeepTextCatalog
{
    /// <summary>
    /// A plain Transformer encoder classifier over a text column: token + position embeddings, pre-norm
    /// self-attention blocks, masked pooling and a linear head, trained from scratch.
    /// The label must be a key (use <c>MapValueToKey</c>); outputs <c>PredictedLabel</c> and <c>Score</c>.
    /// </summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">Key-typed label column.</param>
    /// <param name="textColumnName">Text column.</param>
    /// <param name="maxEpochs">Upper bound on epochs (early stopping on a validation split usually ends sooner).</param>
    /// <param name="batchSize">Examples per step.</param>
    /// <param name="maxTokens">Tokens kept per text.</param>
    /// <param name="validationSet">Data for early stopping; null holds out 10% of the training data.</param>
    public static DeepTextTrainer<TransformerEncoderOptions> TransformerEncoder(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label",
        string textColumnName = "Text",
        int maxEpochs = 20,
        int batchSize = 32,
        int maxTokens = 256,
        IDataView? validationSet = null) =>
        catalog.TransformerEncoder(new TransformerEncoderOptions
        {
            LabelColumnName = labelColumnName,
            TextColumnName = textColumnName,
            MaxEpochs = maxEpochs,
            BatchSize = batchSize,
            MaxTokens = maxTokens,
            ValidationSet = validationSet,
        });

    /// <summary>A plain Transformer encoder classifier configured by <paramref name="options"/>.</summary>
    public static DeepTextTrainer<TransformerEncoderOptions> TransformerEncoder(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, TransformerEncoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new DeepTextTrainer<TransformerEncoderOptions>(MlNetBridge.GetEnvironment(catalog), options);
    }

    /// <summary>
    /// A compact transformer classifier over a text column (CCT, CVT or ViT-Lite for text; Hassani et al. 2021):
    /// a convolutional tokenizer over the word embeddings, a few small encoder blocks and sequence pooling. Small and
    /// data-efficient; the default (CCT-2, kernel 2) suits datasets of hundreds to a few thousand examples on a CPU.
    /// The label must be a key (use <c>MapValueToKey</c>); outputs <c>PredictedLabel</c> and <c>Score</c>.
    /// </summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">Key-typed label column.</param>
    /// <param name="textColumnName">Text column.</param>
    /// <param name="preset">Architecture: CCT-2/4/6, CVT-2/4/6 or ViT-Lite-2/4/6.</param>
    /// <param name="kernelSize">Convolution kernel (CCT) or patch size (CVT, ViT-Lite): 1, 2 or 4 work best.</param>
    /// <param name="wordVectorFile">Optional GloVe/fastText/word2vec text file to initialise the word vectors with.</param>
    /// <param name="maxEpochs">Upper bound on epochs (early stopping on a validation split usually ends sooner).</param>
    /// <param name="validationSet">Data for early stopping; null holds out 10% of the training data.</param>
    public static DeepTextTrainer<CompactTransformerOptions> CompactTransformer(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label",
        string textColumnName = "Text",
        CompactTransformerPreset preset = CompactTransformerPreset.Cct2,
        int kernelSize = 2,
        string? wordVectorFile = null,
        int maxEpochs = 30,
        IDataView? validationSet = null) =>
        catalog.CompactTransformer(new CompactTransformerOptions
        {
            LabelColumnName = labelColumnName,
            TextColumnName = textColumnName,
            Preset = preset,
            KernelSize = kernelSize,
            WordVectorFile = wordVectorFile,
            MaxEpochs = maxEpochs,
            ValidationSet = validationSet,
        });

    /// <summary>A compact transformer classifier configured by <paramref name="options"/>.</summary>
    public static DeepTextTrainer<CompactTransformerOptions> CompactTransformer(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, CompactTransformerOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new DeepTextTrainer<CompactTransformerOptions>(MlNetBridge.GetEnvironment(catalog), options);
    }

    /// <summary>
    /// A staircase attention classifier over a text column (Ju et al., NeurIPS 2022): a small shared core of
    /// Transformer blocks reads the text chunk by chunk, recurrently, so it can track state that depends on the order
    /// of events (an order's status after a series of updates), which bag-of-words models cannot.
    /// The label must be a key (use <c>MapValueToKey</c>); outputs <c>PredictedLabel</c> and <c>Score</c>.
    /// </summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">Key-typed label column.</param>
    /// <param name="textColumnName">Text column.</param>
    /// <param name="variant">Staircase, cached staircase, global-cached staircase or Ladder.</param>
    /// <param name="chunkSize">New tokens read per step.</param>
    /// <param name="steps">Passes each chunk makes through the core.</param>
    /// <param name="maxEpochs">Upper bound on epochs (early stopping on a validation split usually ends sooner).</param>
    /// <param name="validationSet">Data for early stopping; null holds out 10% of the training data.</param>
    public static DeepTextTrainer<StaircaseOptions> Staircase(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label",
        string textColumnName = "Text",
        StaircaseVariant variant = StaircaseVariant.Staircase,
        int chunkSize = 32,
        int steps = 2,
        int maxEpochs = 20,
        IDataView? validationSet = null) =>
        catalog.Staircase(new StaircaseOptions
        {
            LabelColumnName = labelColumnName,
            TextColumnName = textColumnName,
            Variant = variant,
            ChunkSize = chunkSize,
            Steps = steps,
            MaxEpochs = maxEpochs,
            ValidationSet = validationSet,
        });

    /// <summary>A staircase attention classifier configured by <paramref name="options"/>.</summary>
    public static DeepTextTrainer<StaircaseOptions> Staircase(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, StaircaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new DeepTextTrainer<StaircaseOptions>(MlNetBridge.GetEnvironment(catalog), options);
    }

    /// <summary>
    /// A long-document classifier over a text column: documents of thousands to tens of thousands of tokens in time and
    /// memory linear in their length. Chunks of the document are encoded by a small shared encoder (attention only
    /// inside the chunk), then one attention layer over the chunk vectors makes the document vector. Training reads a
    /// random ordered sample of chunks per document and epoch. See <see cref="LongDocumentOptions"/>.
    /// </summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">The key-typed label column.</param>
    /// <param name="textColumnName">The text column.</param>
    /// <param name="mode">Hierarchical (whole document) or the fast head+tail baseline.</param>
    /// <param name="maxTokens">How many tokens of a document are read (head and tail of longer ones).</param>
    /// <param name="chunkTokens">Tokens per chunk.</param>
    /// <param name="maxEpochs">Upper bound on training epochs (early stopping usually ends sooner).</param>
    /// <param name="seed">Seed for initialisation, chunk sampling and shuffling; null takes one from the MLContext.</param>
    public static DeepTextTrainer<LongDocumentOptions> LongDocument(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label",
        string textColumnName = "Text",
        LongDocumentMode mode = LongDocumentMode.Hierarchical,
        int maxTokens = 51_200,
        int chunkTokens = 256,
        int maxEpochs = 30,
        int? seed = null) =>
        catalog.LongDocument(new LongDocumentOptions
        {
            LabelColumnName = labelColumnName,
            TextColumnName = textColumnName,
            Mode = mode,
            MaxTokens = maxTokens,
            ChunkTokens = chunkTokens,
            MaxEpochs = maxEpochs,
            Seed = seed,
        });

    /// <summary>A long-document classifier configured by <paramref name="options"/>.</summary>
    public static DeepTextTrainer<LongDocumentOptions> LongDocument(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, LongDocumentOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new DeepTextTrainer<LongDocumentOptions>(MlNetBridge.GetEnvironment(catalog), options);
    }

    /// <summary>
    /// Shortens a text column before a model reads it (Mutasodirin et al., "Simple Hack for Transformers against Heavy
    /// Long-Text Classification", 2024): removes stopwords and, if asked, punctuation, low-frequency words (counted in
    /// <c>Fit</c>) and repeated words, so that more content fits in a model's token budget. Text in, text out: it
    /// also works in front of ML.NET's own <c>FeaturizeText</c>. Saved and loaded with the model.
    /// </summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="outputColumnName">The shortened text column to add.</param>
    /// <param name="inputColumnName">The text column to read; null reads <paramref name="outputColumnName"/> (and replaces it).</param>
    /// <param name="removeStopWords">Remove English stopwords (negations are kept). Default true: the paper's best rule.</param>
    /// <param name="removePunctuation">Remove punctuation. Default false.</param>
    /// <param name="minWordDocuments">Keep only words found in at least this many training documents; 0 (default) keeps all.</param>
    /// <param name="removeRecurringWords">Remove every repeat of a word within a text. Default false.</param>
    public static ShortenTextEstimator ShortenText(this TransformsCatalog.TextTransforms catalog, string outputColumnName,
        string? inputColumnName = null, bool removeStopWords = true, bool removePunctuation = false, int minWordDocuments = 0,
        bool removeRecurringWords = false) =>
        catalog.ShortenText(outputColumnName, inputColumnName ?? outputColumnName, new ShortenTextOptions
        {
            RemoveStopWords = removeStopWords,
            RemovePunctuation = removePunctuation,
            MinWordDocuments = minWordDocuments,
            RemoveRecurringWords = removeRecurringWords,
        });

    /// <summary>Shortens a text column with the rules of <paramref name="options"/> (stopword language, custom stopwords, ...).</summary>
    public static ShortenTextEstimator ShortenText(this TransformsCatalog.TextTransforms catalog, string outputColumnName,
        string inputColumnName, ShortenTextOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ShortenTextEstimator(outputColumnName, inputColumnName, options);
    }

    /// <summary>
    /// Turns a fitted DeepText classifier into a featurizer: the output column holds each text's pooled document vector
    /// (what the classifier's last layer reads), so ML.NET's classic trainers (<c>SdcaMaximumEntropy</c>, <c>LightGbm</c>,
    /// ...) can use it as features in the same pipeline. The transform keeps its own copy of the weights and is saved
    /// and loaded with the pipeline.
    /// </summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="model">A fitted classifier, e.g. <c>fittedPipeline.OfType&lt;DeepTextTransformer&gt;().Single()</c>.</param>
    /// <param name="outputColumnName">The float vector column to add. Default "Embedding".</param>
    /// <param name="inputColumnName">The text column to read; null reads the column the model was trained on.</param>
    public static DeepTextEmbeddingEstimator DeepTextEmbedding(this TransformsCatalog.TextTransforms catalog, DeepTextTransformer model,
        string outputColumnName = "Embedding", string? inputColumnName = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new DeepTextEmbeddingEstimator(model, outputColumnName, inputColumnName);
    }

    /// <summary>
    /// Registers DeepText's model loaders in <paramref name="mlContext"/>'s component catalog. Not needed:
    /// <c>mlContext.Model.Load</c> finds them by itself, because a saved model names this assembly and ML.NET
    /// registers the loaders it declares. Kept so that code written for earlier versions still compiles.
    /// </summary>
    public static MLContext RegisterDeepText(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        mlContext.ComponentCatalog.RegisterAssembly(typeof(DeepTextCatalog).Assembly);   // the loaders the build weaves in (eng/MlNetLoaderWeaving.targets)
        return mlContext;
    }
}
