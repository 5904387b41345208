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

    public DeepTextTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        DeepTextTransformer.CheckTextColumn(input.Schema, _inputColumnName);
        return _model.AsEmbedding(_outputColumnName, _inputColumnName);
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var text = inputSchema.FirstOrDefault(c => c.Name == _inputColumnName);
        if (text.Name is null)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"DeepTextEmbedding: the text column '{_inputColumnName}' was not found. Available columns: {string.Join(", ", inputSchema.Select(c => c.Name))}.");
        if (text.Kind != SchemaShape.Column.VectorKind.Scalar || text.ItemType is not TextDataViewType)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"DeepTextEmbedding: the column '{_inputColumnName}' must be text (string).");
        var columns = inputSchema.ToDictionary(c => c.Name);
        columns[_outputColumnName] = MlNetBridge.ShapeColumn(_outputColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false);
        return new SchemaShape(columns.Values);
    }
}
