using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.DeepText.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.DeepText.Tests;

public class LongDocumentTests
{
    private static TextClassifier Build(LongDocumentSpec spec) => new ClassifierSpec(spec, 3, PoolingKind.Attention, HeadDropout: spec.Dropout).Build();

    private static TextClassifier Tiny(LongDocumentMode mode = LongDocumentMode.Hierarchical, int chunk = 32, int overlap = 0, int trainChunks = 4)
    {
        torch.manual_seed(5);
        var model = Build(new LongDocumentSpec(200, mode, ChunkTokens: chunk, ChunkOverlap: overlap, MaxChunks: 1000,
            TrainChunksPerDocument: trainChunks, HeadTailTokens: 64, WordVectorSize: 16, Width: 16, NumberOfHeads: 2, MlpRatio: 1, NumberOfLayers: 1, NumberOfGlobalLayers: 1));
        model.eval();
        using var _ = no_grad();
        foreach (var p in model.parameters()) nn.init.normal_(p, 0, 0.5);
        return model;
    }

    private static Tensor Ids(int length, int seed)
    {
        var g = new Random(seed);
        return tensor(Enumerable.Range(0, length).Select(_ => (long)g.Next(1, 200)).ToArray(), [1, length]);
    }

    [Fact]
    public void Attention_cost_grows_linearly_with_document_length()
    {
        using var model = Tiny(chunk: 256);
        long chunks = 0;
        long Scores(int length)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var ids = Ids(length, 1);
            using var trace = ModelTrace.Start();   // counted by the attention layers that ran
            model.forward(ids, ones_like(ids, ScalarType.Bool));
            chunks = trace.Chunks;
            return trace.AttentionScoreEntries;
        }
        long s1 = Scores(2048), s4 = Scores(8192), s16 = Scores(32768);
        // Full attention would grow 16× and 256×. Chunks grow 4× and 16×; the global stage's (chunks)² term is
        // small next to them (and bounded by MaxChunks).
        Assert.InRange(s4 / (double)s1, 3.9, 4.2);
        Assert.InRange(s16 / (double)s1, 15.5, 17);
        Assert.Equal(32768 / 256, chunks);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    public void Padding_a_document_in_a_batch_changes_nothing(int overlap)
    {
        using var model = Tiny(overlap: overlap);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var shortDoc = Ids(150, 2);
        var alone = model.forward(shortDoc, ones_like(shortDoc, ScalarType.Bool));
        var batch = zeros(2, 700, ScalarType.Int64);
        var mask = zeros(2, 700, ScalarType.Bool);
        batch[0, TensorIndex.Slice(0, 150)] = shortDoc[0];
        mask[0, TensorIndex.Slice(0, 150)] = tensor(true);
        batch[1] = Ids(700, 3)[0];
        mask[1] = tensor(true);
        using var trace = ModelTrace.Start();
        var together = model.forward(batch, mask);
        Assert.True(alone[0].allclose(together[0], rtol: 1e-4, atol: 1e-5), $"{alone[0].str()} vs {together[0].str()}");
        Assert.Equal(overlap == 0 ? 5 + 22 : 6 + 29, trace.Chunks);   // 150 and 700 tokens in chunks of 32 starting every 32 (or 24)
    }

    [Fact]
    public void A_short_batch_is_read_as_one_chunk_of_its_own_length_with_the_same_result()
    {
        using var model = Tiny(chunk: 32);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var ids = Ids(10, 8);
        long Scores(Tensor x, Tensor m, out Tensor logits)
        {
            using var trace = ModelTrace.Start();
            logits = model.forward(x, m);
            return trace.AttentionScoreEntries;
        }
        long shortEntries = Scores(ids, ones_like(ids, ScalarType.Bool), out var alone);
        var padded = nn.functional.pad(ids, [0, 22]);                                       // the same text in a whole chunk of 32
        var paddedMask = nn.functional.pad(ones_like(ids, ScalarType.Bool), [0, 22]);
        long fullEntries = Scores(padded, paddedMask, out var inChunk);
        Assert.True(alone.allclose(inChunk, rtol: 1e-4, atol: 1e-5));
        Assert.True(shortEntries * 4 < fullEntries, $"{shortEntries} vs {fullEntries} attention scores");   // (10/2)² vs (32/2)² per head and layer
    }

    [Fact]
    public void Training_reads_a_bounded_ordered_sample_of_real_chunks()
    {
        // Document 0 has 3 real chunks of 10, document 1 all 10.
        var real = zeros(2, 10, ScalarType.Bool);
        real[0, TensorIndex.Slice(0, 3)] = tensor(true);
        real[1] = tensor(true);
        var seen = new HashSet<long>();
        using var random = Training.TorchRandom.Use(seed: 1, CPU);                   // its own generator: no dependence on test order
        for (int trial = 0; trial < 30; trial++)
        {
            using var scope = NewDisposeScope();
            var index = LongDocument.SampleChunks(real, 4);
            Assert.Equal([2L, 4L], index.shape);
            var rows = index.data<long>().ToArray();
            for (int b = 0; b < 2; b++)
            {
                var picked = rows.Skip(4 * b).Take(4).ToArray();
                Assert.Equal(picked.Order(), picked);                               // in document order
                Assert.Equal(4, picked.Distinct().Count());
                Assert.All(picked, i => Assert.InRange(i, 0, 9));
                if (b == 0) Assert.Equal([0L, 1L, 2L], picked.Take(3));             // every real chunk before any padding
                else foreach (var i in picked) seen.Add(i);
            }
        }
        Assert.Equal(10, seen.Count);                                                // every chunk of a long document gets its turn

        using var model = Tiny(trainChunks: 4);
        model.train();
        using var _ = NewDisposeScope();
        var ids = cat([Ids(640, 4), Ids(640, 5)], 0);
        using var trace = ModelTrace.Start();
        model.forward(ids, ones_like(ids, ScalarType.Bool));
        Assert.Equal(2 * 4, trace.Chunks);                                  // 2 documents × 4, not 2 × 20
    }

    [Fact]
    public void Head_tail_mode_reads_one_encoder_pass()
    {
        using var model = Tiny(LongDocumentMode.HeadTail);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var ids = Ids(64, 6);
        using var trace = ModelTrace.Start();
        var logits = model.forward(ids, ones_like(ids, ScalarType.Bool));
        Assert.Equal([1L, 3L], logits.shape);
        Assert.Equal(1, trace.Chunks);
    }

    // ---------- trainer ----------

    /// <summary>
    /// "Keywords far apart": 300 words of filler with class keywords only in the middle (words 112–187). Head+tail
    /// truncation (64 + 64 tokens) never sees them; a model that reads the whole document must.
    /// </summary>
    internal static List<Ticket> LongTickets(int count, int seed)
    {
        var rng = new Random(seed);
        string[] filler = "the a my your please help hello thanks team today week again still now very issue problem question need about with from order item customer".Split(' ');
        string[][] keys = [["invoice", "refund"], ["parcel", "courier"], ["password", "login"]];
        return Enumerable.Range(0, count).Select(_ =>
        {
            int c = rng.Next(3);
            var words = Enumerable.Range(0, 300).Select(_ => filler[rng.Next(filler.Length)]).ToList();
            for (int k = 0; k < 8; k++) words[rng.Next(112, 188)] = keys[c][rng.Next(2)];
            return new Ticket { Queue = Synthetic.Queues[c], Text = string.Join(' ', words) };
        }).ToList();
    }

    private static LongDocumentOptions TinyOptions(LongDocumentMode mode) => new()
    {
        Mode = mode, ChunkTokens = 64, TrainChunksPerDocument = 4, HeadTailTokens = 128, MaxTokens = 4096,
        WordVectorSize = 32, Width = 32, NumberOfHeads = 2, NumberOfLayers = 1, NumberOfGlobalLayers = 1,
        MaxEpochs = 12, BatchSize = 16, LearningRate = 3e-3, MinTokenCount = 1, Seed = 3, EarlyStoppingPatience = 12,
    };

    [Fact]
    public void Reads_the_middle_of_long_documents_that_head_tail_truncation_misses_and_round_trips()
    {
        var ml = new MLContext(1);
        var toKey = ml.Transforms.Conversion.MapValueToKey("Label", nameof(Ticket.Queue)).Fit(ml.Data.LoadFromEnumerable(LongTickets(240, seed: 1)));
        var train = toKey.Transform(ml.Data.LoadFromEnumerable(LongTickets(240, seed: 1)));
        var testRows = LongTickets(90, seed: 2);
        var test = toKey.Transform(ml.Data.LoadFromEnumerable(testRows));

        double Accuracy(ITransformer m) => ml.MulticlassClassification.Evaluate(m.Transform(test)).MicroAccuracy;
        using var hierarchical = ml.MulticlassClassification.Trainers.LongDocument(TinyOptions(LongDocumentMode.Hierarchical)).Fit(train);
        using var headTail = ml.MulticlassClassification.Trainers.LongDocument(TinyOptions(LongDocumentMode.HeadTail)).Fit(train);
        double whole = Accuracy(hierarchical), truncated = Accuracy(headTail);
        Assert.True(whole > 0.9, $"hierarchical accuracy {whole}");
        Assert.True(truncated < 0.55, $"head+tail accuracy {truncated} (chance 0.33)");

        Synthetic.AssertSameScoresAfterSaveAndLoad(ml, hierarchical, train.Schema, test);

        // A 1,000,000-character document is scored (head and tail of it) without error and without a memory blow-up.
        var huge = string.Join(' ', Enumerable.Repeat(testRows[0].Text!, 1_000_000 / testRows[0].Text!.Length + 1));
        GC.Collect();
        long before = Process.GetCurrentProcess().WorkingSet64;
        var p = hierarchical.PredictProbabilities([huge]);
        long grown = Process.GetCurrentProcess().WorkingSet64 - before;
        Assert.True(huge.Length >= 1_000_000);
        Assert.Equal(1f, p[0].Sum(), 1e-3);
        Assert.True(grown < 1L << 30, $"working set grew by {grown >> 20} MiB");
    }

    [Fact]
    public void Inference_in_groups_of_chunks_equals_one_pass_over_all_of_them()
    {
        // 300 chunks: more than one group of InferenceChunkGroup (256). In training mode with no dropout and no sampling
        // the same document is encoded in one pass; both must give the same logits.
        torch.manual_seed(6);
        using var model = Build(new LongDocumentSpec(200, ChunkTokens: 16, MaxChunks: 1000, TrainChunksPerDocument: 1000,
            WordVectorSize: 16, Width: 16, NumberOfHeads: 2, MlpRatio: 1, NumberOfLayers: 1, NumberOfGlobalLayers: 1, Dropout: 0, AttentionDropout: 0, StochasticDepth: 0));
        using var _ = no_grad();
        using var ids = Ids(300 * 16, 7);
        using var mask = ones_like(ids, ScalarType.Bool);
        model.eval();
        Tensor grouped;
        using (var trace = ModelTrace.Start())
        {
            grouped = model.forward(ids, mask);
            Assert.Equal(2 + 1, trace.AttentionCalls);   // local layer in 2 groups (256 + 44 chunks), then the global layer
        }
        model.train();
        using var wholeTrace = ModelTrace.Start();
        using var whole = model.forward(ids, mask);
        Assert.Equal(300, wholeTrace.Chunks);
        Assert.True(grouped.allclose(whole, rtol: 1e-4, atol: 1e-5));
        grouped.Dispose();
    }

    [Fact]
    public void Masked_token_pretraining_learns_to_fill_in_the_training_texts()
    {
        // Texts that cycle through 12 words from a random start: a hidden word is given by its neighbours.
        var rng = new Random(3);
        var documents = Enumerable.Range(0, 64).Select(_ =>
        {
            int phase = rng.Next(12), length = rng.Next(80, 200);
            return Enumerable.Range(0, length).Select(i => (long)(3 + (phase + i) % 12)).ToArray();
        }).ToArray();
        using var model = Tiny();
        var spec = new LongDocumentSpec(200, ChunkTokens: 32, WordVectorSize: 16, Width: 16, NumberOfHeads: 2, MlpRatio: 1, NumberOfLayers: 1, NumberOfGlobalLayers: 1);
        var settings = new Training.TrainingSettings
        {
            BatchSize = 16, MaxEpochs = 1, LearningRate = 5e-3, WeightDecay = 0, WarmupFraction = 0.05, LabelSmoothing = 0,
            GradientClipNorm = 1, EarlyStoppingPatience = 1, Seed = 1,
        };
        var log = new List<string>();
        var losses = new Training.MaskedTokenPretrainer(settings, CPU).Pretrain((LongDocument)model.Encoder, spec, documents, 8, log.Add);

        Assert.Equal(8, losses.Count);
        Assert.True(losses[0] > 2.0, $"first epoch {losses[0]:F3}");                 // starts near guessing among 200 words
        Assert.True(losses[^1] < 0.5 * losses[0], $"last epoch {losses[^1]:F3}, first {losses[0]:F3}");
        Assert.Contains("masked-token pretraining epoch 8/8", log[^1]);
    }

    [Fact]
    public void The_trainer_pretrains_when_asked()
    {
        var ml = new MLContext(1);
        var messages = new List<string>();
        ml.Log += (_, e) => { if (e.Message.Contains("masked-token pretraining")) lock (messages) messages.Add(e.Message); };
        var data = ml.Transforms.Conversion.MapValueToKey("Label", nameof(Ticket.Queue)).Fit(ml.Data.LoadFromEnumerable(LongTickets(40, seed: 1)))
            .Transform(ml.Data.LoadFromEnumerable(LongTickets(40, seed: 1)));
        var options = TinyOptions(LongDocumentMode.Hierarchical);
        (options.PretrainingEpochs, options.MaxEpochs) = (2, 1);
        using var model = ml.MulticlassClassification.Trainers.LongDocument(options).Fit(data);
        Assert.Equal(2, messages.Count);
        Assert.Contains("epoch 2/2", messages[1]);
    }

    [Fact]
    public void Pretraining_reads_the_chunks_the_model_reads()
    {
        var spec = new LongDocumentSpec(200, ChunkTokens: 32, ChunkOverlap: 8);
        long[] document = [.. Enumerable.Range(0, 100).Select(i => (long)i)];
        var chunks = Training.MaskedTokenPretrainer.Chunks(spec, [document, [7]]);
        Assert.Equal([0L, 24, 48, 72, 7], chunks.Select(c => c[0]));                // every 24 tokens; a short document is one chunk
        Assert.Equal([32, 32, 32, 28, 1], chunks.Select(c => c.Length));
        Assert.Equal(document, chunks.Take(4).SelectMany(c => c).Distinct().Order());
        Assert.Single(Training.MaskedTokenPretrainer.Chunks(spec with { Mode = LongDocumentMode.HeadTail }, [document]));
    }

    [Fact]
    // Each option alone is checked for every family by ConformanceTests.Invalid_options_are_named.
    public void Options_that_only_make_sense_together_are_named()
    {
        var ml = new MLContext(1);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.LongDocument(new LongDocumentOptions { ChunkTokens = 64, ChunkOverlap = 40 }));
        Assert.Contains("ChunkOverlap", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.LongDocument(new LongDocumentOptions { Width = 30, NumberOfHeads = 4 }));
        Assert.Contains("Width", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.LongDocument(new LongDocumentOptions { PretrainingEpochs = -1 }));
        Assert.Contains("PretrainingEpochs", e.Message);                             // not an architecture option: ConformanceTests skips it
    }
}
