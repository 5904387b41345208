using MLNet.DeepText.Models;
using MLNet.DeepText.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.DeepText.Tests;

public class ModelTests(TrainedModel trained) : IClassFixture<TrainedModel>
{
    private static TextClassifier Tiny(bool causal = false, PoolingKind pooling = PoolingKind.Mean)
    {
        torch.manual_seed(5);
        var model = new ClassifierSpec(new TransformerEncoderSpec(50, MaxPositions: 64, Width: 16, NumberOfLayers: 2, NumberOfHeads: 2,
            MlpRatio: 2, Causal: causal, ClassToken: pooling == PoolingKind.ClassToken), 3, pooling, HeadDropout: 0.1).Build();
        model.eval();
        return model;
    }

    [Fact]
    public void Padding_does_not_change_a_prediction_of_the_trained_model()
    {
        const string text = "my invoice is wrong";
        var alone = trained.Classifier.PredictProbabilities([text])[0];
        var longText = string.Join(' ', Enumerable.Repeat("the parcel delivery was late again and again", 5));
        var inBatch = trained.Classifier.PredictProbabilities([longText, text, longText + " crash"]);
        for (int c = 0; c < alone.Length; c++) Assert.Equal(alone[c], inBatch[1][c], 1e-5);
    }

    [Theory]
    [InlineData(PoolingKind.Mean)]
    [InlineData(PoolingKind.ClassToken)]
    [InlineData(PoolingKind.LastToken)]
    [InlineData(PoolingKind.Attention)]
    public void Every_pooling_ignores_padding(PoolingKind pooling)
    {
        using var model = Tiny(pooling: pooling);
        long[] shortSeq = [5, 6, 7], longSeq = [8, 9, 10, 11, 12, 13, 14, 15, 16];
        var alone = Predictor.PredictProbabilities(model, [shortSeq], 8, CPU)[0];
        var padded = Predictor.PredictProbabilities(model, [longSeq, shortSeq], 8, CPU)[1];
        for (int c = 0; c < alone.Length; c++) Assert.Equal(alone[c], padded[c], 1e-5);
        // The padding mask matters: the same short sequence with its padding treated as real tokens differs.
        using var ids = tensor(new long[] { 5, 6, 7, 0, 0, 0 }, [1, 6]);
        using var allReal = ones(1, 6, dtype: ScalarType.Bool);
        using var _ = no_grad();
        using var unmasked = model.forward(ids, allReal).softmax(-1);
        Assert.True(Math.Abs(alone[0] - unmasked[0, 0].item<float>()) > 1e-4);
    }

    [Fact]
    public void Causal_attention_never_looks_ahead()
    {
        // With a causal mask the states of the first three tokens depend on those tokens only, so two texts that share
        // only their first three tokens get the same first three states; without the mask the later tokens change them.
        using var a = tensor(new long[] { 3, 4, 5, 6, 7, 8 }, [1, 6]);
        using var b = tensor(new long[] { 3, 4, 5, 11, 12, 13 }, [1, 6]);
        using var mask = ones(1, 6, dtype: ScalarType.Bool);
        using var _ = no_grad();
        using (var causal = Tiny(causal: true))
            Assert.True(causal.Encoder.call(a, mask).States[.., ..3].allclose(causal.Encoder.call(b, mask).States[.., ..3], rtol: 0, atol: 1e-6));
        using var bidirectional = Tiny(causal: false);
        Assert.False(bidirectional.Encoder.call(a, mask).States[.., ..3].allclose(bidirectional.Encoder.call(b, mask).States[.., ..3], rtol: 0, atol: 1e-3));
    }

    [Fact]
    public void Attention_honours_an_arbitrary_boolean_mask()
    {
        torch.manual_seed(1);
        using var attention = new MultiHeadAttention(8, 2);
        attention.eval();
        using var _ = no_grad();
        using var x = randn(1, 4, 8);
        using var y = x.clone();
        y[0, 3] = randn(8);                                       // change key/value 3 only
        using var mask = ones(1, 1, 4, 4, dtype: ScalarType.Bool);
        mask[.., .., .., 3] = tensor(false);                       // nobody may attend key 3
        using var outX = attention.Attend(x, x, mask, null);
        using var outY = attention.Attend(x, y, mask, null);
        Assert.True(outX.allclose(outY, atol: 1e-6));
        using var free = attention.Attend(x, y, null, null);
        Assert.False(outX.allclose(free, atol: 1e-6));
    }

    [Fact]
    public void A_score_bias_combines_with_a_batch_mask_and_a_fully_masked_row_stays_finite()
    {
        torch.manual_seed(2);
        using var attention = new MultiHeadAttention(8, 2);
        attention.eval();
        using var _ = no_grad();
        using var x = randn(3, 5, 8);
        using var padding = tensor(new[] { true, true, true, false, false }, [1, 5]).expand(3, 5);
        using var mask = AttentionMasks.KeyPadding(padding);              // [3, 1, 1, 5]
        using var bias = randn(2, 5, 5);                                  // per-head bias
        using var biased = attention.Attend(x, x, mask, bias);
        Assert.Equal(new long[] { 3, 5, 8 }, biased.shape);
        using var unbiased = attention.Attend(x, x, mask, null);
        Assert.False(biased.allclose(unbiased));
        // With the bias added, padded keys still get no weight: changing them changes nothing.
        using var y = x.clone();
        y[.., 3..] = randn(3, 2, 8);
        using var biasedY = attention.Attend(x, y, mask, bias);
        Assert.True(biased.allclose(biasedY, atol: 1e-6));
        using var none = zeros(1, 1, 5, 5, dtype: ScalarType.Bool);      // nothing may be attended
        using var blocked = attention.Attend(x, x, none, null);
        Assert.False(blocked.isnan().any().item<bool>());
    }

}

public class FastDropoutTests
{
    [Fact]
    public void Drops_about_p_of_the_values_keeps_the_mean_and_is_the_identity_in_eval_mode()
    {
        torch.manual_seed(3);
        using var dropout = new FastDropout(0.25);
        using var x = ones(100_000);
        using var y = dropout.forward(x);
        double dropped = y.eq(0).sum().item<long>() / 100_000.0;
        Assert.InRange(dropped, 0.24, 0.26);
        Assert.InRange(y.mean().item<float>(), 0.98, 1.02);
        dropout.eval();
        using var z = dropout.forward(x);
        Assert.True(z.allclose(x, rtol: 0, atol: 0));
    }
}
