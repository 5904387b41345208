using Microsoft.ML.SearchSpace;
using MLNet.DeepText.Models;
using MLNet.DeepText.Text;
using MLNet.DeepText.Training;
using static TorchSharp.torch;

namespace MLNet.DeepText;

/// <summary>
/// Options of the long-document classifier: documents of thousands to tens of thousands of tokens, in time and memory
/// linear in their length. The document is cut into chunks; a small shared encoder (convolutional tokenizer, full
/// attention inside the chunk, sequence pooling) makes one vector per chunk; a global attention layer over the chunk
/// vectors makes the document vector. Training reads a random, ordered sample of each document's chunks per epoch.
/// <see cref="DeepTextOptions.MaxTokens"/> is how much of a document is read (default 51,200 tokens = 200 chunks of 256;
/// longer documents keep their head and tail, see <see cref="DeepTextOptions.Truncation"/>). Training defaults follow
/// the compact transformer's recipe: learning rate 5e-4, weight decay 0.05, batch 16 documents, up to 30 epochs with
/// early-stopping patience 5.
/// </summary>
public sealed class LongDocumentOptions : DeepTextOptions
{
    /// <summary>Defaults for long documents: 51,200 tokens, learning rate 5e-4, weight decay 0.05, batch 16, up to 30 epochs, patience 5.</summary>
    public LongDocumentOptions()
    {
        MaxTokens = 51_200;
        LearningRate = 5e-4;
        WeightDecay = 0.05;
        BatchSize = 16;
        MaxEpochs = 30;
        EarlyStoppingPatience = 5;
        PredictionBatchSize = 16;
    }

    /// <summary>Hierarchical (whole document, chunked) or the fast head+tail baseline (one encoder pass over <see cref="HeadTailTokens"/>). Default hierarchical.</summary>
    public LongDocumentMode Mode { get; set; } = LongDocumentMode.Hierarchical;
    /// <summary>Tokens per chunk, 16 to 2,048. Default 256.</summary>
    [Choice(128, 256, 512)]
    public int ChunkTokens { get; set; } = 256;
    /// <summary>Tokens shared by consecutive chunks, 0 to half of <see cref="ChunkTokens"/>. Default 0.</summary>
    public int ChunkOverlap { get; set; }
    /// <summary>
    /// Chunks of each document read per training epoch, 1 to 1,024: a fresh random sample, kept in document order, so
    /// the training cost per document is bounded and long documents show different parts each epoch. Inference reads
    /// every chunk. Default 16 (4,096 tokens).
    /// </summary>
    [Choice(8, 16, 32)]
    public int TrainChunksPerDocument { get; set; } = 16;
    /// <summary>Tokens read in head+tail mode (the first and last, by <see cref="DeepTextOptions.Truncation"/>), 16 to 4,096. Default 512.</summary>
    public int HeadTailTokens { get; set; } = 512;
    /// <summary>Size of the word vectors, 8 to 2,048 (with pretrained word vectors, their dimension is used). Default 128.</summary>
    public int WordVectorSize { get; set; } = 128;
    /// <summary>Width of the token and chunk states, 8 to 2,048, divisible by <see cref="NumberOfHeads"/>. Default 128.</summary>
    public int Width { get; set; } = 128;
    /// <summary>Attention heads, 1 to 64. Default 4.</summary>
    public int NumberOfHeads { get; set; } = 4;
    /// <summary>Hidden width of each block's MLP as a multiple of the width, 0.25 to 8. Default 2.</summary>
    public double MlpRatio { get; set; } = 2;
    /// <summary>Attention blocks inside each chunk, 1 to 12. Default 2.</summary>
    public int NumberOfLayers { get; set; } = 2;
    /// <summary>Attention blocks over the chunk vectors, 0 to 4 (0: the chunk vectors are only pooled). Default 1.</summary>
    public int NumberOfGlobalLayers { get; set; } = 1;
    /// <summary>A convolutional tokenizer (kernel 3, then max-pooling that halves the positions) instead of a per-token projection. Default true.</summary>
    public bool ConvolutionalTokenizer { get; set; } = true;
    /// <summary>
    /// Epochs of masked-token pretraining of the chunk encoder on the training texts themselves (BERT's objective:
    /// 15% of the tokens hidden and predicted) before it learns the labels, 0 to 100; 0 turns it off. Uses no outside
    /// data. Each epoch costs about as much as one classification epoch over every chunk. Default 0.
    /// </summary>
    public int PretrainingEpochs { get; set; }
    /// <summary>Dropout on word vectors, inside the MLPs and before the head, in [0, 1). Default 0.1.</summary>
    [Range(0.0, 0.3)]
    public double Dropout { get; set; } = 0.1;
    /// <summary>Dropout on the attention weights, in [0, 1). Default 0.1.</summary>
    public double AttentionDropout { get; set; } = 0.1;
    /// <summary>Stochastic depth of the last local block, in [0, 1). Default 0.1.</summary>
    public double StochasticDepth { get; set; } = 0.1;

    /// <summary>How the chunk states become the document vector. Default: attention pooling.</summary>
    public PoolingKind Pooling { get; set; } = PoolingKind.Attention;

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        RequireDefined(nameof(Mode), Mode);
        Range(nameof(ChunkTokens), ChunkTokens, 16, 2048);
        Range(nameof(ChunkOverlap), ChunkOverlap, 0, ChunkTokens / 2);
        Range(nameof(TrainChunksPerDocument), TrainChunksPerDocument, 1, 1024);
        Range(nameof(HeadTailTokens), HeadTailTokens, 16, 4096);
        Range(nameof(WordVectorSize), WordVectorSize, 8, 2048);
        Range(nameof(Width), Width, 8, 2048);
        Range(nameof(NumberOfHeads), NumberOfHeads, 1, 64);
        if (Width % NumberOfHeads != 0) Fail(nameof(Width), Width, $"a multiple of NumberOfHeads ({NumberOfHeads})");
        Range(nameof(MlpRatio), MlpRatio, 0.25, 8);
        Range(nameof(NumberOfLayers), NumberOfLayers, 1, 12);
        Range(nameof(NumberOfGlobalLayers), NumberOfGlobalLayers, 0, 4);
        Range(nameof(PretrainingEpochs), PretrainingEpochs, 0, 100);
        Probability(nameof(Dropout), Dropout);
        Probability(nameof(AttentionDropout), AttentionDropout);
        Probability(nameof(StochasticDepth), StochasticDepth);
        RequireDefined(nameof(Pooling), Pooling);
        if (Pooling == PoolingKind.ClassToken) Fail(nameof(Pooling), Pooling, "Mean, Attention or LastToken (the long-document model has no class token)");
        if (ChunkEncoderSource is { } pretrained)
        {
            TokenizerName = pretrained.TokenizerName;
            if (PretrainingEpochs > 0)
                throw new ArgumentException("Option PretrainingEpochs is for the compact chunk encoder; the pretrained chunk encoder (UsePretrainedChunkEncoder) has been pretrained already: set it to 0.", nameof(PretrainingEpochs));
            if (WordVectorFile is not null || WordVectorSource is not null)
                throw new ArgumentException("The pretrained chunk encoder (UsePretrainedChunkEncoder) has its own word vectors; WordVectorFile and UseMiniLMWordVectors are for the compact chunk encoder.", nameof(WordVectorFile));
            int tokens = Mode == LongDocumentMode.HeadTail ? HeadTailTokens : ChunkTokens;
            if (tokens > pretrained.MaxTokens)
                Fail(Mode == LongDocumentMode.HeadTail ? nameof(HeadTailTokens) : nameof(ChunkTokens), tokens, $"at most {pretrained.MaxTokens}, what the pretrained chunk encoder reads in one pass");
        }
    }

    /// <summary>A pretrained chunk encoder (set by the pretrained package's <c>UsePretrainedChunkEncoder</c>); null: the compact transformer.</summary>
    internal PretrainedEncoderSource? ChunkEncoderSource { get; set; }

    internal override int DocumentTokens => Mode == LongDocumentMode.HeadTail ? HeadTailTokens : MaxTokens;

    /// <summary>With a pretrained chunk encoder, its whole vocabulary (every word keeps its pretrained vector); otherwise the learned one.</summary>
    internal override void LearnVocabulary(TextEncoder encoder, IReadOnlyList<int[]> trainTokens, PretrainedVectors? wordVectors)
    {
        if (ChunkEncoderSource is { } pretrained) encoder.UseVocabulary(pretrained.Vocabulary());
        else base.LearnVocabulary(encoder, trainTokens, wordVectors);
    }

    internal override void InitializeModel(TextClassifier model, Action<string> log)
    {
        if (ChunkEncoderSource is not { } pretrained) return;
        pretrained.LoadWeights(((LongDocument)model.Encoder).ChunkEncoder);
        log($"Pretrained chunk encoder {pretrained.Description}, " +
            (pretrained.FineTunedLayers == 0 ? "frozen (chunk vectors computed once per training run)." : $"top {pretrained.FineTunedLayers} layers fine-tuned."));
    }

    internal override ClassifierSpec CreateSpec(int vocabularySize, int numberOfClasses, PretrainedVectors? wordVectors)
    {
        int stride = ChunkTokens - ChunkOverlap;
        int maxChunks = Math.Max(1, (Math.Max(MaxTokens, ChunkTokens) - ChunkOverlap + stride - 1) / stride);
        var encoder = new LongDocumentSpec(vocabularySize, Mode: Mode, ChunkTokens: ChunkTokens, ChunkOverlap: ChunkOverlap, MaxChunks: maxChunks,
            TrainChunksPerDocument: TrainChunksPerDocument, HeadTailTokens: HeadTailTokens, WordVectorSize: wordVectors?.Dimension ?? WordVectorSize, Width: Width,
            NumberOfHeads: NumberOfHeads, MlpRatio: MlpRatio, NumberOfLayers: NumberOfLayers, NumberOfGlobalLayers: NumberOfGlobalLayers,
            ConvolutionalTokenizer: ConvolutionalTokenizer, Dropout: Dropout, AttentionDropout: AttentionDropout, StochasticDepth: StochasticDepth,
            FreezeWordVectors: FreezeWordVectors, PretrainedChunkEncoder: ChunkEncoderSource?.CreateSpec(vocabularySize, Dropout),
            FineTunedChunkLayers: ChunkEncoderSource?.FineTunedLayers ?? 0);
        return new(encoder, numberOfClasses, Pooling, HeadDropout: Dropout, BagOfWordsSize: BagOfWordsSize);
    }

    internal override void Pretrain(TextClassifier model, ClassifierSpec spec, TokenizedDataset train, TrainingSettings settings,
        Device device, Action<string> log, Func<bool> isCanceled)
    {
        if (PretrainingEpochs == 0) return;
        new MaskedTokenPretrainer(settings, device) { IsCanceled = isCanceled, CancellationToken = CancellationToken }
            .Pretrain((LongDocument)model.Encoder, (LongDocumentSpec)spec.Encoder, train.Sequences, PretrainingEpochs, log);
    }
}

/// <summary>How the long-document classifier reads a document.</summary>
public enum LongDocumentMode
{
    /// <summary>Chunks encoded locally, then a global stage over the chunk vectors: reads the whole document (up to MaxChunks chunks).</summary>
    Hierarchical,
    /// <summary>The fast baseline: one encoder pass over the first and last tokens (head+tail truncation, Sun et al. 2019).</summary>
    HeadTail,
}

