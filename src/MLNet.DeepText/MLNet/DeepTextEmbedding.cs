using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.DeepText;

/// <summary>
/// The estimator of <c>DeepTextEmbedding</c>: nothing to learn; <c>Fit</c> returns an embedding transformer over a copy
/// of the fitted classifier's weights, which writes the pooled document vector (the classifier head's input) as a
/// float vector column for ML.NET's own trainers.
/// </summary>
public sealed class DeepTextEmbeddingEstimator : IEstimator<DeepTextTransformer>
{
    private readonly DeepTextTransformer _model;
    private readonly string _outputColumnName;
    private readonly string _inputColumnName;

    internal DeepTextEmbeddingEstimator(DeepTextTransformer model, string outputColumnName, string? inputColumnName)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        if (model.EmbeddingColumnName is not null)
            throw new ArgumentException("DeepTextEmbedding needs a fitted classifier; this transformer already is an embedding transformer.", nameof(model));
        (_model, _outputColumnName, _inputColumnName) = (model, outputColumnName, inputColumnName ?? model.TextColumnName);
    }

    /// <summary>Returns the embedding transformer over a copy of the model (nothing is learned).</summary>
    public DeepTextTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        TextInput.Check(input.Schema, _inputColumnName, _model.InputIsKeys);
        return _model.AsEmbedding(_outputColumnName, _inputColumnName);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => OutputSchema(inputSchema, _inputColumnName, _outputColumnName);

    /// <summary>The input's columns plus the float vector <paramref name="outputColumnName"/> computed from text column <paramref name="inputColumnName"/>.</summary>
    internal static SchemaShape OutputSchema(SchemaShape inputSchema, string inputColumnName, string outputColumnName)
    {
        TextInput.Check(inputSchema, inputColumnName);
        var columns = inputSchema.ToDictionary(c => c.Name);
        columns[outputColumnName] = MlNetBridge.ShapeColumn(outputColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false);
        return new SchemaShape(columns.Values);
    }
}
