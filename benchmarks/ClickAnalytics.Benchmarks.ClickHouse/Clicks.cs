using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using ClickAnalytics.Storage;

namespace ClickAnalytics.Benchmarks.ClickHouse;

/// <summary>Realistic enriched clicks, and the same rows as TabSeparated text for clickhouse-client.</summary>
internal static class Clicks
{
    private static readonly string[] Countries = ["US", "DE", "FR", "GB", "CH", "IN", "BR", "JP", "CA", "ES", ""];
    private static readonly string[] Browsers = ["Chrome", "Mobile Safari", "Firefox", "Edge", "Samsung Internet", "Chrome Mobile"];
    private static readonly string[] Systems = ["Windows", "iOS", "Android", "Mac OS X", "Linux"];
    private static readonly string[] Devices = [DeviceType.Desktop, DeviceType.Mobile, DeviceType.Tablet, DeviceType.Bot];
    private static readonly string[] Media = [RefererMedium.Direct, RefererMedium.Search, RefererMedium.Social, RefererMedium.Email, RefererMedium.Unknown];
    private static readonly string[] Sources = ["", "Google", "Facebook", "Twitter", "Bing", "LinkedIn"];

    public static List<EnrichedClick> Generate(int count, DateTimeOffset start, int seed = 42)
    {
        var random = new Random(seed);
        var clicks = new List<EnrichedClick>(count);
        for (int i = 0; i < count; i++)
        {
            DateTimeOffset at = start.AddMilliseconds(i * 50L);
            var click = new EnrichedClick(new ClickEvent
            {
                EventId = ClickEventId.NewId(at),
                Timestamp = at,
                LinkId = "link-" + random.Next(1_000).ToString(CultureInfo.InvariantCulture),
                TenantId = "tenant-" + random.Next(20).ToString(CultureInfo.InvariantCulture),
                UserAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
                Referer = "https://www.google.com/",
            })
            {
                BrowserFamily = Browsers[random.Next(Browsers.Length)],
                BrowserMajor = random.Next(100, 130).ToString(CultureInfo.InvariantCulture),
                OsFamily = Systems[random.Next(Systems.Length)],
                DeviceType = Devices[random.Next(Devices.Length)],
                Country = Countries[random.Next(Countries.Length)],
                RefererMedium = Media[random.Next(Media.Length)],
                RefererSource = Sources[random.Next(Sources.Length)],
                RefererHost = "www.google.com",
                IsBot = random.Next(20) == 0,
                IsRepeat = random.Next(15) == 0,
                Language = "en",
                VisitorId = random.Next(200_000).ToString("x8", CultureInfo.InvariantCulture),
            };
            clicks.Add(click);
        }

        return clicks;
    }

    /// <summary>Writes the fixed columns of every click as TabSeparated, in ClickSchema order (timestamps in whole seconds, as 18.16 stores them).</summary>
    public static void WriteTabSeparated(IReadOnlyList<EnrichedClick> clicks, string path)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        var line = new StringBuilder(1024);
        foreach (EnrichedClick click in clicks)
        {
            line.Clear();
            for (int c = 0; c < ClickSchema.Columns.Count; c++)
            {
                ClickColumn column = ClickSchema.Columns[c];
                if (c > 0)
                {
                    line.Append('\t');
                }

                object value = column.GetValue(click);
                switch (column.Type)
                {
                    case ClickColumnType.String:
                        Escape(line, (string)value);
                        break;
                    case ClickColumnType.Boolean:
                        line.Append((bool)value ? '1' : '0');
                        break;
                    case ClickColumnType.UInt32:
                        line.Append(((uint)value).ToString(CultureInfo.InvariantCulture));
                        break;
                    case ClickColumnType.Timestamp:
                        line.Append(((DateTime)value).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
                        break;
                    case ClickColumnType.Date:
                        line.Append(((DateOnly)value).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                        break;
                    case ClickColumnType.Uuid:
                        line.Append(((Guid)value).ToString("D"));
                        break;
                }
            }

            writer.Write(line.Append('\n'));
        }
    }

    public static string ColumnList()
    {
        var names = new List<string>();
        foreach (ClickColumn column in ClickSchema.Columns)
        {
            names.Add(column.Name);
        }

        return string.Join(", ", names);
    }

    private static void Escape(StringBuilder line, string value)
    {
        foreach (char ch in value)
        {
            switch (ch)
            {
                case '\\': line.Append("\\\\"); break;
                case '\t': line.Append("\\t"); break;
                case '\n': line.Append("\\n"); break;
                default: line.Append(ch); break;
            }
        }
    }
}
