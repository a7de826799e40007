// Flyway's checksum loop written apart with the JDK classes Flyway 12's ChecksumCalculator uses
// (BufferedReader.readLine over a UTF-8 reader, java.util.zip.CRC32, a BOM dropped from the first
// line, the result cast to int): prints one "<checksum> <path>" line per file given.
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

public class FlywayChecksum {
    public static void main(String[] args) throws Exception {
        for (String file : args) {
            CRC32 crc = new CRC32();
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(new FileInputStream(file), StandardCharsets.UTF_8), 4096)) {
                String line = reader.readLine();
                boolean first = true;
                while (line != null) {
                    if (first && line.startsWith("\uFEFF")) line = line.substring(1);
                    first = false;
                    crc.update(line.getBytes(StandardCharsets.UTF_8));
                    line = reader.readLine();
                }
            }
            System.out.println((int) crc.getValue() + " " + file);
        }
    }
}
