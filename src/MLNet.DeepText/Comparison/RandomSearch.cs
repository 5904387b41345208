using System.Globalization;
using System.Reflection;
using Microsoft.ML.SearchSpace;

namespace MLNet.DeepText;

/// <summary>
/// Seeded random search over an options type's search space: the properties marked with ML.NET's <c>[Range]</c>,
/// <c>[Choice]</c> and <c>[BooleanChoice]</c> attributes (DeepText's options declare a small space per family:
/// learning rate, batch size, width, depth, dropout, chunking). A range is sampled uniformly, or log-uniformly when
/// its <c>LogBase</c> is set; integer ranges include both ends.
/// </summary>
internal static class RandomSearch
{
    /// <summary>The properties of <typeparamref name="TOptions"/> that have a search-space attribute.</summary>
    public static IReadOnlyList<PropertyInfo> SearchableProperties<TOptions>() =>
        [.. typeof(TOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && (p.GetCustomAttribute<RangeAttribute>() ?? p.GetCustomAttribute<ChoiceAttribute>() ?? (object?)p.GetCustomAttribute<BooleanChoiceAttribute>()) is not null)
            .OrderBy(p => p.Name, StringComparer.Ordinal)];

    /// <summary>Sets every searchable property of <paramref name="options"/> to a random value; returns "Name=value" for each.</summary>
    public static IReadOnlyList<string> Sample<TOptions>(TOptions options, Random random)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        var settings = new List<string>();
        foreach (var property in SearchableProperties<TOptions>())
        {
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            object value;
            if (property.GetCustomAttribute<RangeAttribute>() is { } range)
            {
                double min = Convert.ToDouble(range.Min, CultureInfo.InvariantCulture), max = Convert.ToDouble(range.Max, CultureInfo.InvariantCulture);
                double u = random.NextDouble();
                double x = range.LogBase ? Math.Exp(Math.Log(min) + u * (Math.Log(max) - Math.Log(min))) : min + u * (max - min);
                value = type == typeof(int) ? (int)Math.Min(Math.Floor(min + u * (max - min + 1)), max) : Convert.ChangeType(Math.Round(x, 6), type, CultureInfo.InvariantCulture);
            }
            else if (property.GetCustomAttribute<ChoiceAttribute>() is { } choice)
            {
                var pick = choice.Candidates[random.Next(choice.Candidates.Length)];
                value = type.IsEnum ? Enum.Parse(type, pick.ToString()!) : Convert.ChangeType(pick, type, CultureInfo.InvariantCulture);
            }
            else
            {
                value = random.Next(2) == 1;
            }
            property.SetValue(options, value);
            settings.Add(string.Create(CultureInfo.InvariantCulture, $"{property.Name}={value}"));
        }
        return settings;
    }
}
