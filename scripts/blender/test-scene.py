# Builds jgolem's Blender test scene and saves it as a .blend file. Run inside the jgolem/blender image:
#   blender -b --factory-startup --python test-scene.py -- /golem/output/scene.blend
# The scene is small on purpose (a tile renders in about a second at test settings) but has what the
# Blender task's verification needs to tell honest tiles from dishonest ones:
#   - a checker floor and a few objects: edges almost everywhere, so a shifted region is seen;
#   - a camera that moves from frame to frame: every pixel changes, so a tile of another frame is seen;
#   - soft lights and a bright world: noisy at low sample counts, so a cheap render is seen.
import math
import sys

import bpy

out = sys.argv[sys.argv.index("--") + 1] if "--" in sys.argv else "/golem/output/scene.blend"

bpy.ops.wm.read_factory_settings(use_empty=True)
scene = bpy.context.scene
scene.name = "jgolem-test"


def material(name, colour=None, checker=None):
    m = bpy.data.materials.new(name)
    m.use_nodes = True
    nodes = m.node_tree.nodes
    bsdf = nodes["Principled BSDF"]
    bsdf.inputs["Roughness"].default_value = 0.6
    if checker:
        tex = nodes.new("ShaderNodeTexChecker")
        tex.inputs["Scale"].default_value = checker
        tex.inputs["Color1"].default_value = (0.9, 0.85, 0.7, 1)
        tex.inputs["Color2"].default_value = (0.08, 0.1, 0.2, 1)
        m.node_tree.links.new(tex.outputs["Color"], bsdf.inputs["Base Color"])
    else:
        bsdf.inputs["Base Color"].default_value = colour
    return m


bpy.ops.mesh.primitive_plane_add(size=40, location=(0, 0, 0))
bpy.context.object.data.materials.append(material("floor", checker=40))

for i, (x, y, r, colour) in enumerate([(-1.5, 0.5, 0.9, (0.8, 0.1, 0.1, 1)), (1.2, -0.4, 0.7, (0.1, 0.7, 0.2, 1)),
                                       (0.2, 2.0, 0.6, (0.2, 0.3, 0.9, 1))]):
    bpy.ops.mesh.primitive_uv_sphere_add(radius=r, location=(x, y, r), segments=24, ring_count=12)
    bpy.ops.object.shade_smooth()
    bpy.context.object.data.materials.append(material("ball%d" % i, colour=colour))
bpy.ops.mesh.primitive_cube_add(size=1.2, location=(2.2, 1.8, 0.6), rotation=(0, 0, 0.6))
bpy.context.object.data.materials.append(material("box", colour=(0.9, 0.6, 0.1, 1)))

bpy.ops.object.light_add(type="POINT", location=(3, -3, 5))
bpy.context.object.data.energy = 1500
bpy.context.object.data.shadow_soft_size = 1.5
bpy.ops.object.light_add(type="AREA", location=(-4, 2, 4))
bpy.context.object.data.energy = 400
bpy.context.object.data.size = 3

world = bpy.data.worlds.new("sky")
world.use_nodes = True
world.node_tree.nodes["Background"].inputs["Color"].default_value = (0.5, 0.6, 0.8, 1)
world.node_tree.nodes["Background"].inputs["Strength"].default_value = 0.8
scene.world = world

bpy.ops.object.camera_add(location=(0, -7, 5))
cam = bpy.context.object
scene.camera = cam
cam.rotation_euler = (math.radians(55), 0, 0)
scene.frame_start = 1
scene.frame_end = 10
for frame, x in ((1, -3.0), (10, 3.0)):
    cam.location.x = x
    cam.keyframe_insert("location", index=0, frame=frame)
for fc in cam.animation_data.action.fcurves:
    for k in fc.keyframe_points:
        k.interpolation = "LINEAR"

scene.render.engine = "CYCLES"
scene.cycles.device = "CPU"
scene.cycles.samples = 16
scene.cycles.use_adaptive_sampling = False
scene.cycles.use_denoising = False
scene.cycles.seed = 0
scene.render.resolution_x = 64
scene.render.resolution_y = 48
scene.render.resolution_percentage = 100
scene.render.image_settings.file_format = "PNG"

bpy.ops.wm.save_as_mainfile(filepath=out, compress=False)
print("jgolem: saved", out)
