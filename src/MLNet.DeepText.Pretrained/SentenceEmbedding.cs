using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.DeepText.Models;
using MLNet.DeepText.Pretrained;
using MLNet.DeepText.Pretrained.Models;
using MLNet.DeepText.Text;
using MLNet.DeepText.Training;
using TorchSharp;

namespace MLNet.DeepText;

/// <summary>
/// The estimator of <c>SentenceEmbedding</c>: nothing to learn; <c>Fit</c> returns a transformer that writes each text's
/// all-MiniLM-L6-v2 sentence embedding (mean of the frozen encoder's token states, L2-normalised, as sentence-transformers
/// computes it) as a float vector column, batched, for ML.NET's own trainers. Saved and loaded like any model. A text
/// longer than one chunk of tokens gets the average of its chunks' embeddings when more than one chunk is allowed.
/// </summary>
public sealed class SentenceEmbeddingEstimator : IEstimator<DeepTextTransformer>
{
    private readonly Microsoft.ML.Runtime.IHostEnvironment _env;
    private readonly string _outputColumnName, _inputColumnName;
    private readonly int _maxTokens, _maxChunks;

    internal SentenceEmbeddingEstimator(Microsoft.ML.Runtime.IHostEnvironment env, string outputColumnName, string inputColumnName, int maxTokens, int maxChunks)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        ArgumentException.ThrowIfNullOrEmpty(inputColumnName);
        if (maxTokens is < 3 or > 512) throw new ArgumentOutOfRangeException(nameof(maxTokens), maxTokens, "maxTokens must be in [3, 512] ([CLS] and [SEP] included).");
        if (maxChunks is < 1 or > 1000) throw new ArgumentOutOfRangeException(nameof(maxChunks), maxChunks, "maxChunks must be in [1, 1000] (1: keep each text's head).");
        (_env, _outputColumnName, _inputColumnName, _maxTokens, _maxChunks) = (env, outputColumnName, inputColumnName, maxTokens, maxChunks);
    }

    /// <summary>Loads the encoder (nothing is learned) and returns the embedding transformer.</summary>
    public DeepTextTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        TextInput.CheckText(input.Schema, _inputColumnName);
        var resources = BertResources.MiniLM();
        var vocabulary = resources.WholeVocabulary();
        // One chunk: the encoder itself (the head of a longer text). More: the chunked encoder, whose vector for a text
        // of one chunk is the same.
        EncoderSpec encoderSpec = _maxChunks == 1
            ? new PretrainedTransformerSpec(vocabulary.Size, resources.Config, Dropout: 0)
            : new ChunkedSentenceEncoderSpec(vocabulary.Size, resources.Config, ChunkTokens: _maxTokens - 2, MaxChunks: _maxChunks);
        var encoder = new TextEncoder(PretrainedTokenizers.MiniLM, (_maxTokens - 2) * _maxChunks, TruncationPolicy.Head, vocabulary);
        var spec = new ClassifierSpec(encoderSpec, NumberOfClasses: 1, PoolingKind.Mean, FreezeEncoder: true, NormalizeEmbedding: true);
        var model = spec.Build();
        var bert = model.Encoder is ChunkedSentenceEncoder chunked ? chunked.Bert : ((PretrainedTransformer)model.Encoder).Bert;
        bert.LoadWeights(resources.Weights);
        var (gpu, fallback) = MlNetBridge.GetDeviceSettings(_env);
        var device = DeviceSelector.Select(null, gpu, fallback);
        model.to(device);
        return new DeepTextTransformer(model, spec, encoder, device, labelKeyValues: null, _inputColumnName, "PredictedLabel", "Score",
            predictionBatchSize: 32, summary: null, embeddingColumn: _outputColumnName);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
        DeepTextEmbeddingEstimator.OutputSchema(inputSchema, _inputColumnName, _outputColumnName);
}

/// <summary>Sentence embeddings on ML.NET's text transforms catalog.</summary>
public static class SentenceEmbeddingCatalog
{
    /// <summary>
    /// Adds <paramref name="outputColumnName"/>: each text's 384-dimensional all-MiniLM-L6-v2 sentence embedding (frozen
    /// pretrained encoder, nothing is downloaded), as features for ML.NET's trainers (e.g. <c>SdcaMaximumEntropy</c>), alone
    /// or concatenated with <c>FeaturizeText</c>'s n-grams. A text longer than <paramref name="maxTokens"/> is cut into
    /// consecutive chunks of that many tokens, at most <paramref name="maxChunks"/> of them, and gets the average of their
    /// embeddings (normalised); with <paramref name="maxChunks"/> 1, only its head is read. Time grows with the chunks read.
    /// Put <c>AppendCacheCheckpoint</c> after it when a trainer reads the data several times (SDCA, L-BFGS): the encoder then
    /// runs once per row instead of once per pass.
    /// </summary>
    public static SentenceEmbeddingEstimator SentenceEmbedding(this TransformsCatalog.TextTransforms catalog,
        string outputColumnName = "Embedding", string inputColumnName = "Text", int maxTokens = 256, int maxChunks = 1)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new SentenceEmbeddingEstimator(MlNetBridge.GetEnvironment(catalog), outputColumnName, inputColumnName, maxTokens, maxChunks);
    }
}
