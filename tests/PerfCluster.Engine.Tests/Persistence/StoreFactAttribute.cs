using Xunit.Abstractions;
using Xunit.Sdk;

namespace PerfCluster.Engine.Tests.Persistence;

/// <summary>
/// A fact in a spec base class shared by several store back-ends. It is skipped, with the reason shown, in a derived
/// class marked <see cref="RequiresEnvironmentVariableAttribute"/> when that variable is not set (e.g. the
/// PostgreSQL specs without PERFCLUSTER_TEST_POSTGRES), and runs normally everywhere else.
/// </summary>
[XunitTestCaseDiscoverer("PerfCluster.Engine.Tests.Persistence.StoreFactDiscoverer", "PerfCluster.Engine.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class StoreFactAttribute : FactAttribute;

/// <summary>The specs of this class need the named environment variable (a connection string, say).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresEnvironmentVariableAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

public sealed class StoreFactDiscoverer(IMessageSink diagnostics) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions options, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var display = options.MethodDisplayOrDefault();
        var displayOptions = options.MethodDisplayOptionsOrDefault();
        var required = testMethod.TestClass.Class.ToRuntimeType()
            .GetCustomAttributes(typeof(RequiresEnvironmentVariableAttribute), inherit: true)
            .Cast<RequiresEnvironmentVariableAttribute>()
            .Select(a => a.Name)
            .FirstOrDefault(name => string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(name)));
        if (required is not null)
            return [new XunitSkippedDataRowTestCase(diagnostics, display, displayOptions, testMethod, $"{required} is not set")];
        return [new XunitTestCase(diagnostics, display, displayOptions, testMethod)];
    }
}
