using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Xml;
using Gleitzeit.Batch.Contract;
using Microsoft.Build.Framework;

namespace Gleitzeit.Build.Tasks;

/// <summary>Writes the build manifest the worker reads (names in <see cref="BuildContract"/>), each distinct long text once.</summary>
internal static class ManifestWriter
{
    public static void Write(string path, string projectFile, IEnumerable<ITaskItem> settings, IEnumerable<ITaskItem> items, IEnumerable<ITaskItem> workflows, IEnumerable<ITaskItem> outputs)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var xml = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false), NewLineChars = "\n" };
        var temp = path + ".tmp";
        using (var writer = XmlWriter.Create(temp, xml))
        {
            writer.WriteStartElement(BuildContract.RootElement);
            writer.WriteAttributeString(BuildContract.VersionAttribute, BuildContract.ManifestVersion);
            writer.WriteAttributeString(BuildContract.ProjectAttribute, Path.GetFullPath(projectFile));
            writer.WriteAttributeString(BuildContract.ProjectDirectoryAttribute, Path.GetDirectoryName(Path.GetFullPath(projectFile))!);
            using (var self = Process.GetCurrentProcess())
            {
                writer.WriteAttributeString(BuildContract.ParentProcessAttribute, self.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            foreach (var setting in settings)
            {
                var value = setting.GetMetadata(BuildContract.ValueAttribute);
                if (value.Length == 0)
                {
                    continue;
                }

                writer.WriteStartElement(BuildContract.SettingElement);
                writer.WriteAttributeString(BuildContract.NameAttribute, setting.ItemSpec);
                if (Secrets.HasSecrets(value))
                {
                    writer.WriteAttributeString(BuildContract.EnvironmentAttribute, Secrets.EnvironmentVariableFor(setting.ItemSpec));
                }
                else
                {
                    writer.WriteAttributeString(BuildContract.ValueAttribute, value);
                }

                writer.WriteEndElement();
            }

            var texts = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var item in items)
            {
                foreach (var name in BuildContract.Metadata.Shared)
                {
                    var value = item.GetMetadata(name);
                    if (value.Length > 0 && !texts.ContainsKey(value))
                    {
                        var id = "t" + texts.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
                        texts[value] = id;
                        writer.WriteStartElement(BuildContract.TextElement);
                        writer.WriteAttributeString(BuildContract.IdAttribute, id);
                        writer.WriteString(value);
                        writer.WriteEndElement();
                    }
                }
            }

            foreach (var item in items)
            {
                writer.WriteStartElement(BuildContract.ItemElement);
                writer.WriteAttributeString(BuildContract.PathAttribute, item.GetMetadata("FullPath"));
                foreach (var name in BuildContract.Metadata.All)
                {
                    var value = item.GetMetadata(name);
                    if (value.Length == 0)
                    {
                        continue;
                    }

                    if (texts.TryGetValue(value, out var id) && Array.IndexOf(Shared, name) >= 0)
                    {
                        writer.WriteAttributeString(name + BuildContract.ReferenceSuffix, id);
                    }
                    else
                    {
                        writer.WriteAttributeString(name, value);
                    }
                }

                writer.WriteEndElement();
            }

            foreach (var workflow in workflows)
            {
                writer.WriteStartElement(BuildContract.WorkflowElement);
                writer.WriteAttributeString(BuildContract.PathAttribute, workflow.GetMetadata("FullPath"));
                writer.WriteEndElement();
            }

            foreach (var output in outputs)
            {
                writer.WriteStartElement(BuildContract.OutputElement);
                writer.WriteAttributeString(BuildContract.PathAttribute, output.GetMetadata("FullPath"));
                writer.WriteAttributeString(BuildContract.Metadata.Batch, output.GetMetadata(BuildContract.Metadata.Batch));
                writer.WriteAttributeString(BuildContract.FormatAttribute, output.GetMetadata(BuildContract.FormatAttribute));
                writer.WriteEndElement();
            }

            writer.WriteEndElement();
        }

        File.Copy(temp, path, overwrite: true);
        File.Delete(temp);
    }

    private static readonly string[] Shared = [.. BuildContract.Metadata.Shared];
}
