// Lets the runtime instantiate the (internal) Microsoft.ML.LoadableClassAttribute that the build weaves onto this
// assembly: CoreCLR silently drops custom attributes whose constructor is not accessible from the decorated
// assembly, unless that assembly declares [IgnoresAccessChecksTo] for the attribute's assembly.
[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Microsoft.ML.Core")]

namespace System.Runtime.CompilerServices
{
    [AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
    internal sealed class IgnoresAccessChecksToAttribute : Attribute
    {
        public IgnoresAccessChecksToAttribute(string assemblyName) => AssemblyName = assemblyName;
        public string AssemblyName { get; }
    }
}
