using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

// Tests share torch's global generator and measure process memory: run them one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace MLNet.DeepText.Tests;

/// <summary>One tiny model trained once and shared by the tests that only score.</summary>
public sealed class TrainedModel : IDisposable
{
    public MLContext ML { get; } = new(seed: 1);
    public List<Ticket> TrainRows { get; } = Synthetic.Tickets(600, seed: 1);
    public List<Ticket> TestRows { get; } = Synthetic.Tickets(200, seed: 2);
    public IDataView Train { get; }
    public IDataView Test { get; }
    public TransformerChain<KeyToValueMappingTransformer> Model { get; }
    public DeepTextTransformer Classifier => Model.OfType<DeepTextTransformer>().Single();

    public TrainedModel()
    {
        Train = ML.Data.LoadFromEnumerable(TrainRows);
        Test = ML.Data.LoadFromEnumerable(TestRows);
        Model = Synthetic.Pipeline(ML, Synthetic.TinyOptions()).Fit(Train);
    }

    public float[][] Scores(ITransformer model, IDataView data) =>
        ML.Data.CreateEnumerable<TicketPrediction>(model.Transform(data), reuseRowObject: false).Select(p => p.Score).ToArray();

    /// <summary>A prediction engine over the shared model; not disposed, because disposing an engine disposes its model.</summary>
    public PredictionEngine<Ticket, TicketPrediction> Engine() => ML.Model.CreatePredictionEngine<Ticket, TicketPrediction>(Model);

    public void Dispose() => Model.Dispose();
}
