using System.Runtime.InteropServices;

namespace Gleitzeit.Cli.Tests.Packaging;

/// <summary>
/// A fact about the native (ahead-of-time compiled) tool package, which is made for linux-x64 only: the AOT compiler
/// builds for the machine it runs on. Reported as skipped elsewhere.
/// </summary>
public sealed class LinuxX64FactAttribute : FactAttribute
{
    public LinuxX64FactAttribute()
    {
        if (RuntimeInformation.RuntimeIdentifier != "linux-x64")
        {
            Skip = "the native tool package is built for linux-x64 only";
        }
    }
}
