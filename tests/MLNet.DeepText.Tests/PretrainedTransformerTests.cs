using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.DeepText.Pretrained;
using MLNet.DeepText.Pretrained.Models;

namespace MLNet.DeepText.Tests;

/// <summary>
/// The pretrained-encoder trainer on the code path of the real one, with a tiny randomly initialised BERT (the real
/// encoder's weights are checked against ONNX Runtime in <see cref="PretrainedEncoderTests"/>).
/// </summary>
public class PretrainedTransformerTests
{
    private static readonly BertConfig TinyConfig = new(VocabSize: 30_522, HiddenSize: 32, NumLayers: 2, NumHeads: 2, IntermediateSize: 64,
        MaxPositions: 64, TypeVocabSize: 2, LayerNormEps: 1e-12, HiddenAct: "gelu");

    internal static PretrainedTransformerOptions Tiny(Action<PretrainedTransformerOptions>? configure = null)
    {
        var o = new PretrainedTransformerOptions
        {
            EncoderForTests = BertResources.Random(TinyConfig, seed: 3), MaxTokens = 48, MaxEpochs = 15, EarlyStoppingPatience = 4,
            LearningRate = 3e-3, HeadLearningRate = 3e-3, BatchSize = 16, Seed = 7,
        };
        configure?.Invoke(o);
        return o;
    }

    private static IEstimator<ITransformer> Pipeline(MLContext ml, PretrainedTransformerOptions options) =>
        ml.Transforms.Conversion.MapValueToKey("Label", nameof(Ticket.Queue)).Append(ml.MulticlassClassification.Trainers.PretrainedTransformer(options));

    [Fact]
    public void A_tiny_BERT_learns_the_tickets_and_loads_in_a_fresh_process_with_identical_scores()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Synthetic.Tickets(400, seed: 1));
        var testRows = Synthetic.Tickets(100, seed: 2);
        var test = ml.Data.LoadFromEnumerable(testRows);
        using var model = (IDisposable)Pipeline(ml, Tiny()).Fit(train);
        double accuracy = ml.MulticlassClassification.Evaluate(((ITransformer)model).Transform(test)).MicroAccuracy;
        Assert.True(accuracy > 0.9, $"accuracy {accuracy:F3} (chance 0.25)");

        Assert.Equal(((ITransformer)model).Transform(test).GetColumn<float[]>("Score").ToArray(), Child.Scores((ITransformer)model, train.Schema, testRows));
    }

    [Fact]
    public void A_model_trained_with_a_vocabulary_file_carries_it_and_loads_in_a_fresh_process_after_the_file_is_gone()
    {
        var directory = Directory.CreateTempSubdirectory("deeptext-vocab").FullName;
        try
        {
            var vocabulary = Path.Combine(directory, "vocab.txt");
            using (var file = File.Create(vocabulary)) BertResources.OpenResource(BertResources.MiniLMPackage, "vocab.txt").CopyTo(file);
            var weights = Path.Combine(directory, "model.onnx");
            File.WriteAllText(weights, "not read: the test gives the weights (EncoderForTests)");
            var ml = new MLContext(seed: 1);
            var train = ml.Data.LoadFromEnumerable(Synthetic.Tickets(100, seed: 1));
            var testRows = Synthetic.Tickets(20, seed: 2);
            using var model = (IDisposable)Pipeline(ml, Tiny(o => { o.EncoderFile = weights; o.EncoderVocabularyFile = vocabulary; o.MaxEpochs = 1; })).Fit(train);
            Assert.StartsWith("wordpiece:sha256-", ((IEnumerable<ITransformer>)model).OfType<DeepTextTransformer>().Single().Encoder.TokenizerName);
            var scores = ((ITransformer)model).Transform(ml.Data.LoadFromEnumerable(testRows)).GetColumn<float[]>("Score").ToArray();
            File.Delete(vocabulary);
            Assert.Equal(scores, Child.Scores((ITransformer)model, train.Schema, testRows));
        }
        finally { Directory.Delete(directory, recursive: true); }
    }

    [Fact]
    public void BFloat16_scoring_stays_near_float32_and_its_setting_is_saved_with_the_model()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Synthetic.Tickets(200, seed: 1));
        var sequences = Synthetic.Tickets(60, seed: 2).Select(t => t.Text).ToList();
        using var model = (IDisposable)Pipeline(ml, Tiny(o => { o.MaxEpochs = 3; o.BFloat16Scoring = false; })).Fit(train);
        var trained = ((IEnumerable<ITransformer>)model).OfType<DeepTextTransformer>().Single();
        Assert.False(trained.BFloat16Scoring);
        var float32 = trained.PredictProbabilities(sequences);

        // The bfloat16 path, whatever this CPU (the option turns it on only where it is fast): close, not equal.
        trained.Model.UseBFloat16Inference(true);
        var bfloat16 = trained.PredictProbabilities(sequences);
        double largest = float32.Zip(bfloat16).Max(p => p.First.Zip(p.Second).Max(x => Math.Abs(x.First - x.Second)));
        Assert.InRange(largest, 1e-7, 0.02);
        trained.Model.UseBFloat16Inference(false);
        Assert.Equal(float32, trained.PredictProbabilities(sequences));

        foreach (bool setting in new[] { false, true })
        {
            using var saved = new MemoryStream();
            using var withSetting = (IDisposable)Pipeline(ml, Tiny(o => { o.MaxEpochs = 1; o.BFloat16Scoring = setting; })).Fit(train);
            ml.Model.Save((ITransformer)withSetting, train.Schema, saved);
            saved.Position = 0;
            using var loaded = (IDisposable)ml.Model.Load(saved, out _);
            Assert.Equal(setting, ((IEnumerable<ITransformer>)loaded).OfType<DeepTextTransformer>().Single().BFloat16Scoring);
        }
    }

    [Fact]
    public void A_frozen_encoder_keeps_its_weights_and_only_the_head_learns()
    {
        var ml = new MLContext(seed: 1);
        var options = Tiny(o => { o.FreezeEncoder = true; o.MaxEpochs = 2; });
        using var model = (IDisposable)Pipeline(ml, options).Fit(ml.Data.LoadFromEnumerable(Synthetic.Tickets(100, seed: 4)));
        var trained = ((IEnumerable<ITransformer>)model).OfType<DeepTextTransformer>().Single();
        var classifier = trained.Model;
        foreach (var (name, parameter) in ((PretrainedTransformer)classifier.Encoder).Bert.named_parameters())
            Assert.Equal(options.EncoderForTests!.Weights[name].Data, parameter.data<float>().ToArray());
        using var fresh = trained.Spec.Build();
        Assert.NotEqual(fresh.named_parameters().Single(p => p.name == "head.weight").parameter.data<float>().ToArray(),
            classifier.named_parameters().Single(p => p.name == "head.weight").parameter.data<float>().ToArray());
    }

    [Fact]
    public void The_pretrained_candidates_take_part_in_a_comparison()
    {
        var ml = new MLContext(seed: 1);
        var result = ml.MulticlassClassification.CompareModels(ml.Data.LoadFromEnumerable(Synthetic.Tickets(200, seed: 5)), "Text", nameof(Ticket.Queue),
            new ModelComparisonOptions
            {
                Candidates = [PretrainedCandidates.PretrainedTransformer(o => { var tiny = Tiny(); (o.EncoderForTests, o.MaxTokens, o.LearningRate, o.HeadLearningRate) = (tiny.EncoderForTests, 48, 3e-3, 3e-3); }),
                    PretrainedCandidates.SentenceEmbeddingSdca()],
                RefitBest = false,
            });
        Assert.All(result.Leaderboard, r => Assert.True(r.Status == CandidateStatus.Completed, $"{r.Candidate}: {r.Status} {r.Error}"));
        // Chance is 0.25: the tiny random BERT learns from 160 rows, the real MiniLM embeddings (with n-grams) nearly solve it.
        Assert.True(result.Leaderboard.Single(r => r.Candidate == "PretrainedTransformer").MicroAccuracy > 0.5);
        Assert.True(result.Leaderboard.Single(r => r.Candidate == "SentenceEmbedding+FeaturizeText+SdcaMaximumEntropy").MicroAccuracy > 0.8);
    }

    [Fact]
    public void Options_are_checked()
    {
        var trainers = new MLContext().MulticlassClassification.Trainers;
        Assert.Contains("MaxTokens", Assert.Throws<ArgumentOutOfRangeException>(() => trainers.PretrainedTransformer(new PretrainedTransformerOptions { MaxTokens = 600 })).Message);
        Assert.Contains("HeadLearningRate", Assert.Throws<ArgumentOutOfRangeException>(() => trainers.PretrainedTransformer(new PretrainedTransformerOptions { HeadLearningRate = 0 })).Message);
        Assert.Contains("EncoderVocabularyFile", Assert.Throws<ArgumentException>(() => trainers.PretrainedTransformer(new PretrainedTransformerOptions { EncoderFile = "/no/model.onnx" })).Message);
        Assert.Contains("/no/model.onnx", Assert.Throws<ArgumentException>(() =>
            trainers.PretrainedTransformer(new PretrainedTransformerOptions { EncoderFile = "/no/model.onnx", EncoderVocabularyFile = "/no/vocab.txt" })).Message);
    }
}
