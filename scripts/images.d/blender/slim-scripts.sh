#!/bin/sh
# Builds /opt/jgolem/blender-scripts, the Python tree a background render needs, and nothing else; the image's
# BLENDER_SYSTEM_SCRIPTS points there. Debian's full tree registers every UI panel, operator and default add-on at
# start-up: about 0.9 s of CPU per Blender process, which a render subtask pays for each tile and the requestor for
# each verification. This tree starts in about 0.4 s: the library modules, bl_ui and bl_operators importable but not
# registered (Cycles imports them), Cycles with its UI module replaced by a no-op (panels only), and empty add-ons
# under the names the factory settings enable, so that their absence is not reported. The pixels are the same (the
# test suite's Blender tests render with this image; checked byte for byte when this was written).
# Blender then prints "dropbox with unknown operator: WM_OT_drop_blend_file" (a drag-and-drop handler of the UI): harmless.
set -eu
s=/usr/share/blender/scripts
d=/opt/jgolem/blender-scripts
mkdir -p "$d/addons" "$d/startup" "$d/modules"
for m in "$s"/modules/*; do ln -s "$m" "$d/modules/"; done
ln -s "$s/startup/bl_ui" "$d/modules/bl_ui"
ln -s "$s/startup/bl_operators" "$d/modules/bl_operators"
cp -r "$s/addons/cycles" "$d/addons/cycles"
printf 'def register():\n    pass\n\n\ndef unregister():\n    pass\n' > "$d/addons/cycles/ui.py"
for a in io_anim_bvh io_curve_svg io_mesh_ply io_mesh_stl io_mesh_uv_layout io_scene_fbx io_scene_gltf2 io_scene_obj \
         io_scene_x3d pose_library; do
  mkdir -p "$d/addons/$a"
  printf 'bl_info = {"name": "%s (not loaded in jgolem render sandboxes)", "blender": (2, 80, 0)}\n\n\ndef register():\n    pass\n\n\ndef unregister():\n    pass\n' "$a" > "$d/addons/$a/__init__.py"
done
# fail the image build, not a render, if this Blender's Cycles does not come up this way
BLENDER_SYSTEM_SCRIPTS="$d" /usr/bin/blender -b --factory-startup -noaudio --python-exit-code 3 --python-expr \
  'import bpy; assert "cycles" in bpy.context.preferences.addons.keys() and hasattr(bpy.types.Scene, "cycles")' \
  > /tmp/slim-check.log 2>&1 || { cat /tmp/slim-check.log; echo "Cycles does not start from $d" >&2; exit 1; }
rm -f /tmp/slim-check.log
