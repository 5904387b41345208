using MLNet.DeepText.Text;
using MLNet.DeepText.Training;

namespace MLNet.DeepText.Tests;

public class TextAndTrainingUnitTests
{
    [Fact]
    public void Vocabulary_keeps_frequent_ids_and_maps_the_rest_to_unknown()
    {
        var vocab = Vocabulary.Learn([[10, 10, 11, 12], [10, 11, 13]], minCount: 2, maxSize: 100);
        Assert.Equal([10, 11], vocab.TokenizerIds);
        Assert.Equal(Vocabulary.ReservedCount, vocab[10]);
        Assert.Equal(Vocabulary.ReservedCount + 1, vocab[11]);
        Assert.Equal(Vocabulary.Unknown, vocab[12]);
        Assert.Equal(Vocabulary.Unknown, vocab[999]);
        var capped = Vocabulary.Learn([[1, 1, 1, 2, 2, 3]], minCount: 1, maxSize: Vocabulary.ReservedCount + 2);
        Assert.Equal([1, 2], capped.TokenizerIds);
    }

    [Fact]
    public void Truncation_policies_keep_the_head_the_tail_or_both()
    {
        var text = string.Join(' ', Enumerable.Range(0, 200).Select(i => $"w{i}"));
        var full = new TextEncoder(DeepTextTokenizers.Default, 10_000, TruncationPolicy.Head).Tokenize(text);
        var head = new TextEncoder(DeepTextTokenizers.Default, 40, TruncationPolicy.Head).Tokenize(text);
        var tail = new TextEncoder(DeepTextTokenizers.Default, 40, TruncationPolicy.Tail).Tokenize(text);
        var both = new TextEncoder(DeepTextTokenizers.Default, 40, TruncationPolicy.HeadAndTail).Tokenize(text);
        Assert.True(full.Length > 40);
        Assert.Equal(full[..head.Length], head);
        Assert.True(head.Length <= 40 && head.Length >= 38);   // the tokenizer may stop before splitting a word
        Assert.Equal(full[^40..], tail);
        Assert.Equal(full[..10], both[..10]);
        Assert.Equal(full[^30..], both[10..]);
        Assert.Empty(new TextEncoder(DeepTextTokenizers.Default, 40, TruncationPolicy.Tail).Tokenize(""));
    }

    [Fact]
    public void Empty_text_encodes_to_one_unknown_token()
    {
        var encoder = new TextEncoder(DeepTextTokenizers.Default, 16, TruncationPolicy.Head, new Vocabulary([]));
        Assert.Equal([(long)Vocabulary.Unknown], encoder.Encode(""));
    }

    [Fact]
    public void Length_bucketing_yields_every_example_once_in_batches_of_similar_length()
    {
        var rng = new Random(3);
        var sequences = Enumerable.Range(0, 1000).Select(_ => new long[rng.Next(1, 200)]).ToArray();
        var batches = LengthBucketBatcher.Batches(sequences, 16, 10, new Random(1));
        Assert.Equal(Enumerable.Range(0, 1000), batches.SelectMany(b => b).Order());
        Assert.All(batches, b => Assert.True(b.Length <= 16));
        long padded = batches.Sum(b => (long)b.Length * b.Max(i => sequences[i].Length));
        long real = sequences.Sum(s => (long)s.Length);
        Assert.True(padded < real * 1.15, $"padding overhead {(double)padded / real:F2}");
        var again = LengthBucketBatcher.Batches(sequences, 16, 10, new Random(1));
        Assert.Equal(batches, again);
    }

    [Fact]
    public void Learning_rate_warms_up_linearly_then_decays_to_zero_or_stays_constant()
    {
        foreach (var decay in new[] { LearningRateDecay.Cosine, LearningRateDecay.None })
        {
            Assert.Equal(0.1, LearningRateSchedule.At(decay, 0, 100, 10, 1.0), 1e-9);
            Assert.Equal(1.0, LearningRateSchedule.At(decay, 9, 100, 10, 1.0), 1e-9);
            Assert.Equal(1.0, LearningRateSchedule.At(decay, 10, 100, 10, 1.0), 1e-9);
        }
        Assert.Equal(0.5, LearningRateSchedule.At(LearningRateDecay.Cosine, 55, 100, 10, 1.0), 1e-9);
        Assert.Equal(0.0, LearningRateSchedule.At(LearningRateDecay.Cosine, 100, 100, 10, 1.0), 1e-9);
        Assert.Equal(1.0, LearningRateSchedule.At(LearningRateDecay.None, 55, 100, 10, 1.0), 1e-9);
        Assert.Equal(1.0, LearningRateSchedule.At(LearningRateDecay.None, 100, 100, 10, 1.0), 1e-9);
    }

    [Fact]
    public void Stratified_split_holds_out_every_class_and_is_seeded()
    {
        var labels = Enumerable.Range(0, 100).Select(i => i % 4).ToArray();
        var (train, validation) = TokenizedDataset.StratifiedSplit(labels, 0.2, seed: 1);
        Assert.Equal(20, validation.Length);
        Assert.Equal(Enumerable.Range(0, 100), train.Concat(validation).Order());
        Assert.Equal(4, validation.Select(i => labels[i]).Distinct().Count());
        Assert.Equal(validation, TokenizedDataset.StratifiedSplit(labels, 0.2, seed: 1).Validation);
    }
}

public class AdamWTests
{
    [Fact]
    public void Matches_TorchSharp_AdamW_with_decoupled_weight_decay()
    {
        TorchSharp.torch.manual_seed(1);
        using var ours = TorchSharp.torch.nn.Linear(4, 3);
        TorchSharp.torch.manual_seed(1);
        using var reference = TorchSharp.torch.nn.Linear(4, 3);
        using var optimizer = new AdamW(ours.parameters().Select(p => (p, true)), learningRate: 0.05, weightDecay: 0.1);
        using var referenceOptimizer = TorchSharp.torch.optim.AdamW(reference.parameters(), lr: 0.05, weight_decay: 0.1);
        for (int step = 0; step < 5; step++)
        {
            using var scope = TorchSharp.torch.NewDisposeScope();
            var x = TorchSharp.torch.randn(8, 4);
            optimizer.ZeroGrad();
            ours.forward(x).pow(2).sum().backward();
            optimizer.Step();
            referenceOptimizer.zero_grad();
            reference.forward(x).pow(2).sum().backward();
            referenceOptimizer.step();
        }
        foreach (var (a, b) in ours.parameters().Zip(reference.parameters()))
            Assert.True(a.allclose(b, rtol: 1e-5, atol: 1e-6), $"{a.ToString(TorchSharp.TensorStringStyle.Numpy)} vs {b.ToString(TorchSharp.TensorStringStyle.Numpy)}");
    }
}
