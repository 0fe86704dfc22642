using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gleitzeit.Batch.Configuration;

/// <summary>Loads a YAML file, turning a syntax error into a <see cref="ConfigurationException"/> with file, line and column.</summary>
internal static class YamlFiles
{
    public static YamlStream Load(string file)
    {
        YamlStream yaml = [];
        try
        {
            using var reader = new StreamReader(file);
            yaml.Load(reader);
        }
        catch (YamlException ex)
        {
            throw new ConfigurationException($"invalid YAML: {ex.InnerException?.Message ?? ex.Message}", file, (int)ex.Start.Line, (int)ex.Start.Column, DiagnosticCodes.InvalidYaml);
        }

        return yaml;
    }
}
