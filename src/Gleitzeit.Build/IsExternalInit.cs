namespace System.Runtime.CompilerServices;

/// <summary>Lets netstandard2.0 code use <c>init</c> accessors (the contract's settings rows use them).</summary>
internal static class IsExternalInit
{
}
