// OpenJPH prints every diagnostic about a corrupt HTJ2K stream to stdout/stderr before throwing;
// OpenEXR turns the exception into an error code that the shim reports with the file's context,
// so the prints are only console noise in the browser and in test output.
#include <openjph/ojph_message.h>

extern "C" void exrw_quiet_openjph(void)
{
    ojph::set_info_stream(nullptr);
    ojph::set_warning_stream(nullptr);
    ojph::set_error_stream(nullptr);
}
