using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MLNet.DeepText;

/// <summary>
/// The one place that reaches ML.NET internals (by reflection), because ML.NET 5 offers no public way for a
/// third-party transformer to take part in <c>mlContext.Model.Save/Load</c> (research/mlnet.md §2):
/// writing and reading model streams, making <see cref="SchemaShape.Column"/>s, reading a catalog's environment and a host's cancel flag.
/// Every member is looked up once; if one is missing (an ML.NET version we do not support) the first use
/// fails with a message that says so.
/// </summary>
internal static class MlNetBridge
{
    private const BindingFlags Any = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;
    private static readonly Assembly s_core = typeof(ModelSaveContext).Assembly;
    private static readonly Lazy<Members> s_members = new(Resolve);

    private sealed record Members(
        Type VersionInfo, ConstructorInfo VersionInfoCtor,
        MethodInfo SaveCheckAtModel, MethodInfo SetVersionInfo, FieldInfo SaveWriter, MethodInfo SaveBinaryStream,
        Type LoadContext, MethodInfo LoadCheckAtModel, FieldInfo LoadReader, MethodInfo TryLoadBinaryStream,
        FieldInfo LoadHeader, FieldInfo HeaderVersionWritten,
        ConstructorInfo SchemaShapeColumnCtor, PropertyInfo CatalogEnvironment);

    /// <summary>Fails with a clear message unless every internal member the bridge needs is present.</summary>
    public static void SelfCheck() => _ = s_members.Value;

    private static Members Resolve()
    {
        try
        {
            var versionInfo = Need(s_core.GetType("Microsoft.ML.VersionInfo"), "type Microsoft.ML.VersionInfo");
            var loadContext = Need(s_core.GetType("Microsoft.ML.ModelLoadContext"), "type Microsoft.ML.ModelLoadContext");
            var internalCatalog = Need(typeof(SchemaShape).Assembly.GetType("Microsoft.ML.Data.IInternalCatalog")
                ?? typeof(MLContext).Assembly.GetType("Microsoft.ML.Data.IInternalCatalog"), "type Microsoft.ML.Data.IInternalCatalog");
            var save = typeof(ModelSaveContext);
            var header = Need(loadContext.GetField("Header", Any), "ModelLoadContext.Header");
            return new Members(
                versionInfo,
                Need(versionInfo.GetConstructor(Any, [typeof(string), typeof(uint), typeof(uint), typeof(uint), typeof(string), typeof(string), typeof(string)]), "VersionInfo(..)"),
                Need(save.GetMethod("CheckAtModel", Any, Type.EmptyTypes), "ModelSaveContext.CheckAtModel()"),
                Need(save.GetMethod("SetVersionInfo", Any, [versionInfo]), "ModelSaveContext.SetVersionInfo"),
                Need(save.GetField("Writer", Any), "ModelSaveContext.Writer"),
                Need(save.GetMethod("SaveBinaryStream", Any, [typeof(string), typeof(Action<BinaryWriter>)]), "ModelSaveContext.SaveBinaryStream"),
                loadContext,
                Need(loadContext.GetMethod("CheckAtModel", Any, [versionInfo]), "ModelLoadContext.CheckAtModel(VersionInfo)"),
                Need(loadContext.GetField("Reader", Any), "ModelLoadContext.Reader"),
                Need(loadContext.GetMethod("TryLoadBinaryStream", Any, [typeof(string), typeof(Action<BinaryReader>)]), "ModelLoadContext.TryLoadBinaryStream"),
                header,
                Need(header.FieldType.GetField("ModelVerWritten", Any), "ModelHeader.ModelVerWritten"),
                Need(typeof(SchemaShape.Column).GetConstructor(Any, [typeof(string), typeof(SchemaShape.Column.VectorKind), typeof(DataViewType), typeof(bool), typeof(SchemaShape)]), "SchemaShape.Column(..)"),
                Need(internalCatalog.GetProperty("Environment", Any), "IInternalCatalog.Environment"));
        }
        catch (MissingMemberException e)
        {
            throw new NotSupportedException(
                $"MLNet.DeepText cannot use this version of Microsoft.ML ({s_core.GetName().Version}): the internal member {e.Message} " +
                "that model save/load relies on was not found. MLNet.DeepText supports Microsoft.ML [5.0.1, 6.0).", e);
        }

        static T Need<T>(T? value, string what) where T : class => value ?? throw new MissingMemberException(what);
    }

    // ---------- save / load ----------

    /// <summary>
    /// ML.NET's version record: <paramref name="version"/> is written and needed to read what we write;
    /// files from <paramref name="oldestReadable"/> (default: this version) on are accepted at load time.
    /// </summary>
    public static object VersionInfo(string modelSignature, uint version, string loaderSignature, uint? oldestReadable = null) =>
        s_members.Value.VersionInfoCtor.Invoke([modelSignature, version, version, oldestReadable ?? version,
            typeof(MlNetBridge).Assembly.GetName().Name, loaderSignature, null]);

    /// <summary>Writes our header through the save context and returns its main writer.</summary>
    public static BinaryWriter BeginSave(ModelSaveContext ctx, object versionInfo)
    {
        var m = s_members.Value;
        Invoke(m.SaveCheckAtModel, ctx);
        Invoke(m.SetVersionInfo, ctx, versionInfo);
        return (BinaryWriter)m.SaveWriter.GetValue(ctx)!;
    }

    public static void SaveBinaryStream(ModelSaveContext ctx, string name, Action<BinaryWriter> write) =>
        Invoke(s_members.Value.SaveBinaryStream, ctx, name, write);

    /// <summary>Checks the header of a load context (an internal <c>ModelLoadContext</c>) and returns its main reader.</summary>
    public static BinaryReader BeginLoad(object ctx, object versionInfo)
    {
        var m = s_members.Value;
        Invoke(m.LoadCheckAtModel, ctx, versionInfo);
        return (BinaryReader)m.LoadReader.GetValue(ctx)!;
    }

    public static void LoadBinaryStream(object ctx, string name, Action<BinaryReader> read)
    {
        if (!(bool)Invoke(s_members.Value.TryLoadBinaryStream, ctx, name, read)!)
            throw CheckedModelEntries.Damaged(ctx, name, "it is missing");
    }

    /// <summary>The name of the main entry ML.NET writes for every component.</summary>
    public const string MainEntryName = "Model.key";

    /// <summary>The model version written in a load context's header.</summary>
    public static uint VersionWritten(object ctx)
    {
        var m = s_members.Value;
        return (uint)m.HeaderVersionWritten.GetValue(m.LoadHeader.GetValue(ctx))!;
    }

    /// <summary>The zip path of <paramref name="entry"/> in the component's directory, e.g. <c>TransformerChain/Transform_001/Weights.bin</c>.</summary>
    public static string EntryPath(object ctx, string entry) =>
        ctx.GetType().GetField("Directory", Any)?.GetValue(ctx) is string { Length: > 0 } dir ? $"{dir}/{entry}" : entry;

    /// <summary>The path of the model file being loaded, when ML.NET reads it from a file (best effort: null otherwise).</summary>
    public static string? ModelFileName(object ctx)
    {
        try
        {
            var repository = ctx.GetType().GetField("Repository", Any)?.GetValue(ctx);
            var archive = repository?.GetType().GetField("_archive", Any)?.GetValue(repository);
            return archive?.GetType().GetField("_archiveStream", Any)?.GetValue(archive) is FileStream file ? $"'{file.Name}'" : null;
        }
        catch (Exception) { return null; }
    }

    // ---------- other internals ----------

    public static IHostEnvironment GetEnvironment(object catalog) =>
        (IHostEnvironment)s_members.Value.CatalogEnvironment.GetValue(catalog)!;

    /// <summary>
    /// <c>GpuDeviceId</c> and <c>FallbackToCpu</c> of an environment: public properties of <see cref="MLContext"/> and of
    /// ML.NET's internal environment classes that catalogs and model loaders hand us.
    /// </summary>
    public static (int? GpuDeviceId, bool FallbackToCpu) GetDeviceSettings(IHostEnvironment env)
    {
        var type = env.GetType();
        var gpu = type.GetProperty("GpuDeviceId", BindingFlags.Public | BindingFlags.Instance)?.GetValue(env) as int?;
        var fallback = type.GetProperty("FallbackToCpu", BindingFlags.Public | BindingFlags.Instance)?.GetValue(env) as bool?;
        return (gpu, fallback ?? true);
    }

    /// <summary>True once <c>MLContext</c> cancellation reached <paramref name="host"/> (its public <c>IsCanceled</c>).</summary>
    public static bool IsCanceled(IHost host) =>
        host.GetType().GetProperty("IsCanceled", BindingFlags.Public | BindingFlags.Instance)?.GetValue(host) is true;

    public static SchemaShape.Column ShapeColumn(string name, SchemaShape.Column.VectorKind kind, DataViewType itemType, bool isKey, IEnumerable<SchemaShape.Column>? annotations = null) =>
        (SchemaShape.Column)s_members.Value.SchemaShapeColumnCtor.Invoke([name, kind, itemType, isKey, annotations is null ? null : new SchemaShape(annotations)]);

    private static object? Invoke(MethodInfo method, object target, params object?[] args)
    {
        try { return method.Invoke(method.IsStatic ? null : target, args); }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }
}
