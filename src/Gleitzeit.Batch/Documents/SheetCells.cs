using System.Globalization;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace Gleitzeit.Batch.Documents;

/// <summary>A worksheet's cells as the text a reader sees: shared strings, invariant numbers, ISO dates, cached formula values.</summary>
internal sealed class SheetCells
{
    // Built-in number formats that show dates or times (ECMA-376 part 1, 18.8.30).
    private static readonly HashSet<uint> BuiltInDateFormats = [14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47];

    private readonly List<string> sharedStrings;
    private readonly List<bool> dateStyles;

    public SheetCells(WorkbookPart workbook)
    {
        sharedStrings = workbook.SharedStringTablePart?.SharedStringTable?.Elements<SharedStringItem>().Select(i => i.InnerText).ToList() ?? [];
        var stylesheet = workbook.WorkbookStylesPart?.Stylesheet;
        var customDates = stylesheet?.NumberingFormats?.Elements<NumberingFormat>()
            .Where(f => f.NumberFormatId?.Value is not null && IsDateFormat(f.FormatCode?.Value))
            .Select(f => f.NumberFormatId!.Value)
            .ToHashSet() ?? [];
        dateStyles = stylesheet?.CellFormats?.Elements<CellFormat>()
            .Select(f => f.NumberFormatId?.Value is { } id && (BuiltInDateFormats.Contains(id) || customDates.Contains(id)))
            .ToList() ?? [];
    }

    /// <summary>The rows from the first to the last with a value, columns from the first to the last used one.</summary>
    public List<IReadOnlyList<string>> UsedRange(WorksheetPart part, CancellationToken cancellationToken)
    {
        var grid = new SortedDictionary<int, SortedDictionary<int, string>>();
        var nextRow = 1;
        foreach (var row in part.Worksheet?.GetFirstChild<SheetData>()?.Elements<Row>() ?? [])
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rowIndex = row.RowIndex?.Value is { } r ? (int)r : nextRow;
            nextRow = rowIndex + 1;
            var nextColumn = 1;
            foreach (var cell in row.Elements<Cell>())
            {
                var column = ColumnOf(cell.CellReference?.Value) ?? nextColumn;
                nextColumn = column + 1;
                var value = Text(cell);
                if (value.Length > 0)
                {
                    if (!grid.TryGetValue(rowIndex, out var cells))
                    {
                        grid[rowIndex] = cells = [];
                    }

                    cells[column] = value;
                }
            }
        }

        if (grid.Count == 0)
        {
            return [];
        }

        var first = grid.Values.Min(c => c.Keys.First());
        var last = grid.Values.Max(c => c.Keys.Last());
        var rows = new List<IReadOnlyList<string>>();
        foreach (var cells in grid.Values)
        {
            var line = new string[last - first + 1];
            for (var c = first; c <= last; c++)
            {
                line[c - first] = cells.GetValueOrDefault(c, string.Empty);
            }

            rows.Add(line);
        }

        return rows;
    }

    private string Text(Cell cell)
    {
        var raw = cell.CellValue?.Text;
        var type = cell.DataType?.Value;
        if (type == CellValues.InlineString)
        {
            return cell.InlineString?.InnerText ?? string.Empty;
        }

        if (raw is null)
        {
            return string.Empty;
        }

        if (type == CellValues.SharedString)
        {
            return int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < sharedStrings.Count ? sharedStrings[i] : string.Empty;
        }

        if (type == CellValues.Boolean)
        {
            return raw == "1" ? "TRUE" : "FALSE";
        }

        if ((type is null || type == CellValues.Number) && double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            var style = (int)(cell.StyleIndex?.Value ?? 0);
            if (style < dateStyles.Count && dateStyles[style] && number is >= 0 and < 2958466)
            {
                var date = DateTime.FromOADate(number);
                return date.TimeOfDay == TimeSpan.Zero
                    ? date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
                    : number < 1 ? date.ToString("HH:mm:ss", CultureInfo.InvariantCulture) : date.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
            }

            return number.ToString(CultureInfo.InvariantCulture);
        }

        return raw;
    }

    private static int? ColumnOf(string? reference)
    {
        if (reference is null)
        {
            return null;
        }

        var column = 0;
        foreach (var ch in reference)
        {
            if (ch is >= 'A' and <= 'Z')
            {
                column = (column * 26) + (ch - 'A' + 1);
            }
            else if (ch is >= 'a' and <= 'z')
            {
                column = (column * 26) + (ch - 'a' + 1);
            }
            else
            {
                break;
            }
        }

        return column > 0 && column <= 16384 ? column : null;
    }

    // A format shows a date when it has d, m, y, h or s outside quoted text, escapes and [colour] brackets ([h] counts).
    private static bool IsDateFormat(string? code)
    {
        if (string.IsNullOrEmpty(code))
        {
            return false;
        }

        var quoted = false;
        for (var i = 0; i < code.Length; i++)
        {
            var ch = code[i];
            if (ch == '"')
            {
                quoted = !quoted;
            }
            else if (quoted)
            {
                continue;
            }
            else if (ch == '\\' || ch == '_' || ch == '*')
            {
                i++;
            }
            else if (ch == '[')
            {
                var end = code.IndexOf(']', i);
                var inner = end > i ? code[(i + 1)..end] : string.Empty;
                if (inner.Length > 0 && inner.All(c => c is 'h' or 'H' or 'm' or 'M' or 's' or 'S'))
                {
                    return true;
                }

                i = end < 0 ? code.Length : end;
            }
            else if (ch is 'd' or 'D' or 'm' or 'M' or 'y' or 'Y' or 'h' or 'H' or 's' or 'S')
            {
                return true;
            }
        }

        return false;
    }
}
