using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.DeepText.Tests;

public class DeviceAndSchemaTests
{
    private static IDataView Keyed(MLContext ml) => Synthetic.Keyed(ml, Synthetic.Tickets(60, 1));

    [Fact]
    public void A_GPU_requested_through_MLContext_without_CUDA_fails_unless_falling_back_to_the_CPU_is_allowed()
    {
        if (TorchSharp.torch.cuda.is_available()) return;   // only meaningful where CUDA is missing
        var strict = new MLContext(seed: 1) { GpuDeviceId = 0, FallbackToCpu = false };
        var e = Assert.Throws<InvalidOperationException>(() =>
            strict.MulticlassClassification.Trainers.TransformerEncoder(Synthetic.TinyOptions(o => o.MaxEpochs = 1)).Fit(Keyed(strict)));
        Assert.Contains("FallbackToCpu", e.Message);

        var lenient = new MLContext(seed: 1) { GpuDeviceId = 0, FallbackToCpu = true };
        var log = new List<string>();
        lenient.Log += (_, m) => { lock (log) log.Add(m.Message); };
        using var model = lenient.MulticlassClassification.Trainers.TransformerEncoder(Synthetic.TinyOptions(o => o.MaxEpochs = 1)).Fit(Keyed(lenient));
        Assert.Contains(log, m => m.Contains("training on the CPU"));
    }

    [Fact]
    public void An_explicit_device_option_wins_and_is_checked()
    {
        var ml = new MLContext(seed: 1);
        using var model = ml.MulticlassClassification.Trainers.TransformerEncoder(Synthetic.TinyOptions(o => { o.MaxEpochs = 1; o.Device = "cpu"; })).Fit(Keyed(ml));
        Assert.Equal(TorchSharp.DeviceType.CPU, model.Device.type);
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.TransformerEncoder(Synthetic.TinyOptions(o => o.Device = "tpu")));
        if (!TorchSharp.torch.cuda.is_available())
        {
            // An explicit "cuda" is honoured, not silently replaced by the CPU: with no GPU it fails and says why.
            var e = Assert.Throws<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.TransformerEncoder(
                Synthetic.TinyOptions(o => { o.MaxEpochs = 1; o.Device = "cuda"; })).Fit(Keyed(ml)));
            Assert.Contains("CUDA is not available", e.Message);
        }
        // A loaded model picks its device from the loading MLContext: the CPU here, also with GpuDeviceId set and fallback allowed.
        var path = Path.Combine(Path.GetTempPath(), $"deeptext-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, Keyed(ml).Schema, path);
            using var loaded = (DeepTextTransformer)new MLContext { GpuDeviceId = 0, FallbackToCpu = true }.Model.Load(path, out _);
            Assert.Equal(TorchSharp.torch.cuda.is_available() ? TorchSharp.DeviceType.CUDA : TorchSharp.DeviceType.CPU, loaded.Device.type);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void The_estimator_describes_its_output_columns_and_rejects_a_non_key_label()
    {
        var ml = new MLContext(seed: 1);
        var trainer = ml.MulticlassClassification.Trainers.TransformerEncoder(Synthetic.TinyOptions());
        var shape = trainer.GetOutputSchema(Shape(Keyed(ml).Schema));
        var predicted = shape.Single(c => c.Name == "PredictedLabel");
        Assert.True(predicted.IsKey);
        Assert.Contains(predicted.Annotations, a => a.Name == "KeyValues");
        var score = shape.Single(c => c.Name == "Score");
        Assert.Equal(SchemaShape.Column.VectorKind.Vector, score.Kind);
        Assert.Contains(score.Annotations, a => a.Name == "SlotNames");

        var raw = ml.Data.LoadFromEnumerable(Synthetic.Tickets(5, 1).Select(t => new { Label = t.Queue, t.Text }));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(Shape(raw.Schema)));
        Assert.Contains("MapValueToKey", e.Message);
    }

    [Fact]
    public void The_transformer_output_schema_carries_class_names()
    {
        var ml = new MLContext(seed: 1);
        var data = Keyed(ml);
        using var model = ml.MulticlassClassification.Trainers.TransformerEncoder(Synthetic.TinyOptions(o => o.MaxEpochs = 1)).Fit(data);
        var schema = model.GetOutputSchema(data.Schema);
        VBuffer<ReadOnlyMemory<char>> slotNames = default;
        schema["Score"].GetSlotNames(ref slotNames);
        VBuffer<ReadOnlyMemory<char>> keyValues = default;
        schema["PredictedLabel"].GetKeyValues(ref keyValues);
        var expected = new VBuffer<ReadOnlyMemory<char>>();
        data.Schema["Label"].GetKeyValues(ref expected);
        Assert.Equal(expected.DenseValues().Select(v => v.ToString()), keyValues.DenseValues().Select(v => v.ToString()));
        Assert.Equal(expected.DenseValues().Select(v => v.ToString()), slotNames.DenseValues().Select(v => v.ToString()));
        Assert.Equal((ulong)model.NumberOfClasses, ((KeyDataViewType)schema["PredictedLabel"].Type).Count);
        Assert.Equal("TransformerEncoder", model.ModelKind);
        Assert.True(model.ParameterCount > 0);
    }

    [Fact]
    public void The_ML_NET_internals_the_save_load_bridge_needs_are_present()
    {
        var e = Record.Exception(MlNetBridge.SelfCheck);
        Assert.Null(e);   // otherwise: NotSupportedException naming the missing member and the supported range
    }

    /// <summary>ML.NET's own (internal) way of turning a schema into a SchemaShape.</summary>
    private static SchemaShape Shape(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static, [typeof(DataViewSchema)])!
            .Invoke(null, [schema])!;
}
