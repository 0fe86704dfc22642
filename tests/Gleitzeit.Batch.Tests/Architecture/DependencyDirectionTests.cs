using System.Reflection;
using NetArchTest.Rules;

namespace Gleitzeit.Batch.Tests.Architecture;

/// <summary>
/// The engine's folders depend on each other in one direction only, lowest first, so each can be changed without
/// opening the ones above it; and the engine knows nothing of MSBuild or the console.
/// </summary>
public sealed class DependencyDirectionTests
{
    private const string Engine = "Gleitzeit.Batch";

    /// <summary>The rooms, lowest first: a room may use the ones before it, never one after it.</summary>
    private static readonly string[] Layers =
    [
        "Contract", "Serialization", "Review", "Configuration", "Discovery", "Documents", "Inputs", "Planning", "Providers",
        "Caching", "Results", "Bulk", "Export", "Execution", "Workflows", "Builds",
    ];

    private static readonly Assembly EngineAssembly = typeof(GleitzeitEngine).Assembly;

    public static TheoryData<string, string> LowerAndHigher()
    {
        var pairs = new TheoryData<string, string>();
        for (var lower = 0; lower < Layers.Length; lower++)
        {
            for (var higher = lower + 1; higher < Layers.Length; higher++)
            {
                pairs.Add(Layers[lower], Layers[higher]);
            }
        }

        return pairs;
    }

    [Theory]
    [MemberData(nameof(LowerAndHigher))]
    public void LowerRoom_DoesNotUseAHigherOne(string lower, string higher)
    {
        var result = Types.InAssembly(EngineAssembly)
            .That().ResideInNamespace($"{Engine}.{lower}")
            .ShouldNot().HaveDependencyOn($"{Engine}.{higher}")
            .GetResult();

        Assert.True(result.IsSuccessful, $"{lower} uses {higher}: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Fact]
    public void EveryRoom_IsKnown_SoNoneEscapesTheRule()
    {
        var rooms = EngineAssembly.GetTypes()
            .Select(t => t.Namespace)
            .Where(n => n is not null && n.StartsWith(Engine + ".", StringComparison.Ordinal))
            .Select(n => n![(Engine.Length + 1)..].Split('.')[0])
            .Distinct()
            .Order(StringComparer.Ordinal);

        Assert.Equal(Layers.Order(StringComparer.Ordinal), rooms);
    }

    [Fact]
    public void NoRoom_UsesTheEntryPoint()
    {
        var result = Types.InAssembly(EngineAssembly)
            .That().DoNotHaveName(nameof(GleitzeitEngine))
            .ShouldNot().HaveDependencyOn(typeof(GleitzeitEngine).FullName)
            .GetResult();

        Assert.True(result.IsSuccessful, string.Join(", ", result.FailingTypeNames ?? []));
    }

    [Fact]
    public void Engine_KnowsNothingOfMSBuildOrTheConsole()
    {
        var result = Types.InAssembly(EngineAssembly)
            .ShouldNot().HaveDependencyOnAny("Microsoft.Build", "System.Console", "Spectre.Console")
            .GetResult();

        Assert.True(result.IsSuccessful, string.Join(", ", result.FailingTypeNames ?? []));
    }
}
