using Microsoft.ML;
using MLNet.DeepText.Models;
using MLNet.DeepText.Pretrained;
using MLNet.DeepText.Pretrained.Models;
using static TorchSharp.torch;

namespace MLNet.DeepText.Tests;

/// <summary>
/// The long-document model over a pretrained chunk encoder (the hierarchical recipe over BERT), on the code path of the
/// real one with a tiny randomly initialised BERT; and <see cref="FrozenVectors"/>, which makes a frozen encoder cheap.
/// </summary>
public class PretrainedChunkEncoderTests
{
    private static readonly BertConfig TinyConfig = new(VocabSize: 30_522, HiddenSize: 32, NumLayers: 2, NumHeads: 2, IntermediateSize: 64,
        MaxPositions: 64, TypeVocabSize: 2, LayerNormEps: 1e-12, HiddenAct: "gelu");

    private static readonly BertResources TinyBert = BertResources.Random(TinyConfig, seed: 3);

    /// <summary>Long-document options over the tiny BERT with its top <paramref name="fineTunedLayers"/> layers learning.</summary>
    internal static LongDocumentOptions Tiny(int fineTunedLayers = 0, Action<LongDocumentOptions>? configure = null)
    {
        var o = new LongDocumentOptions
        {
            ChunkTokens = 16, TrainChunksPerDocument = 32, MaxTokens = 4096, NumberOfHeads = 2, NumberOfGlobalLayers = 1,
            MaxEpochs = 40, BatchSize = 16, LearningRate = 3e-3, Seed = 3, EarlyStoppingPatience = 40,
            ChunkEncoderSource = new BertEncoderSource(null, null, TinyBert) { FineTunedLayers = fineTunedLayers },
        };
        configure?.Invoke(o);
        return o;
    }

    private static (MLContext Ml, IDataView Train, IDataView Test) LongTickets()
    {
        var ml = new MLContext(1);
        var toKey = ml.Transforms.Conversion.MapValueToKey("Label", nameof(Ticket.Queue)).Fit(ml.Data.LoadFromEnumerable(LongDocumentTests.LongTickets(240, seed: 1)));
        return (ml, toKey.Transform(ml.Data.LoadFromEnumerable(LongDocumentTests.LongTickets(240, seed: 1))),
            toKey.Transform(ml.Data.LoadFromEnumerable(LongDocumentTests.LongTickets(90, seed: 2))));
    }

    private static Dictionary<string, float[]> ChunkEncoderWeights(DeepTextTransformer model) =>
        ((LongDocument)model.Model.Encoder).ChunkEncoder.named_parameters().ToDictionary(p => p.name, p => p.parameter.data<float>().ToArray());

    [Fact]
    public void Over_a_frozen_BERT_it_finds_keywords_in_the_middle_of_long_documents_and_the_encoder_stays_as_it_was()
    {
        var (ml, train, test) = LongTickets();
        using var model = ml.MulticlassClassification.Trainers.LongDocument(Tiny()).Fit(train);
        double accuracy = ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
        Assert.True(accuracy > 0.8, $"accuracy {accuracy:F3} (chance 0.33; the keywords are in words 112-187 of 300)");
        foreach (var (name, values) in ChunkEncoderWeights(model))
            Assert.Equal(TinyBert.Weights[name["bert.".Length..]].Data, values);
        Synthetic.AssertSameScoresAfterSaveAndLoad(ml, model, train.Schema, test);
    }

    [Fact]
    public void Fine_tuning_the_top_layer_changes_it_and_nothing_below_it()
    {
        var (ml, train, _) = LongTickets();
        using var model = ml.MulticlassClassification.Trainers.LongDocument(Tiny(fineTunedLayers: 1, o => o.MaxEpochs = 1)).Fit(train);
        var changed = ChunkEncoderWeights(model).Where(p => !TinyBert.Weights[p.Key["bert.".Length..]].Data.SequenceEqual(p.Value)).Select(p => p.Key).ToArray();
        Assert.NotEmpty(changed);
        Assert.All(changed, name => Assert.StartsWith("bert.encoder.layer.1.", name));
    }

    [Fact]
    public void A_frozen_part_computes_each_distinct_row_once_per_training_run_whatever_its_padding()
    {
        int computed = 0;
        Tensor Compute(Tensor ids, Tensor mask) { computed += (int)ids.shape[0]; return ids.mul(mask).to(float32).cumsum(1).narrow(1, 0, 2); }
        var owner = new object();
        using var ids = tensor(new long[] { 5, 6, 0, 7, 0, 0, 5, 6, 0 }, [3, 3]);
        using var mask = ids.ne(0);
        using var padded = nn.functional.pad(ids, [0, 2]);             // the same rows with more padding, as another batch may give them
        using var paddedMask = padded.ne(0);

        var direct = FrozenVectors.Compute(owner, ids, mask, Compute);
        Assert.Equal(3, computed);                                 // outside a training run nothing is remembered
        using (FrozenVectors.Remember())
        {
            var first = FrozenVectors.Compute(owner, ids, mask, Compute);
            Assert.Equal(5, computed);                             // rows 0 and 2 are the same row: computed once
            var again = FrozenVectors.Compute(owner, padded, paddedMask, Compute);
            Assert.Equal(5, computed);
            Assert.Equal(direct.data<float>().ToArray(), first.data<float>().ToArray());
            Assert.Equal(direct.data<float>().ToArray(), again.data<float>().ToArray());
            FrozenVectors.Compute(new object(), ids, mask, Compute);
            Assert.Equal(7, computed);                             // each owner remembers its own vectors
        }
        FrozenVectors.Compute(owner, ids, mask, Compute);
        Assert.Equal(10, computed);                                // and the run's memory is gone when it ends
    }

    [Fact]
    public void Options_that_do_not_fit_the_pretrained_chunk_encoder_are_named()
    {
        var trainers = new MLContext().MulticlassClassification.Trainers;
        Assert.Contains("PretrainingEpochs", Assert.Throws<ArgumentException>(() => trainers.LongDocument(Tiny(configure: o => o.PretrainingEpochs = 1))).Message);
        Assert.Contains("ChunkTokens", Assert.Throws<ArgumentOutOfRangeException>(() => trainers.LongDocument(Tiny(configure: o => o.ChunkTokens = 100))).Message);
        Assert.Contains("WordVectorFile", Assert.Throws<ArgumentException>(() => trainers.LongDocument(Tiny(configure: o => o.UseMiniLMWordVectors()))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LongDocumentOptions().UsePretrainedChunkEncoder(fineTunedLayers: -1));
        var (_, train, _) = LongTickets();
        Assert.Contains("fineTunedLayers", Assert.Throws<ArgumentOutOfRangeException>(() => trainers.LongDocument(Tiny(fineTunedLayers: 3)).Fit(train)).Message);
    }
}
